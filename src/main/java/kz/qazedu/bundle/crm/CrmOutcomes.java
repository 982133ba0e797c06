package kz.qazedu.bundle.crm;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.crm.CrmDeliveryPolicy.Decision;
import kz.qazedu.bundle.crm.CrmDeliveryPolicy.Outcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * What a round's decisions lead to once recorded ({@link CrmDeliveries#record}): deliveries counted
 * ({@code bundle_crm_delivered_total}), dead letters logged, counted ({@code bundle_events_dead_total{stage="crm"}})
 * and handed back for the dead-letter queue, and, when a delivery that had failed goes through, the CRM taken to be
 * back: every delivery waiting out the outage is due at once.
 */
@Component("crmOutcomes")
public class CrmOutcomes {

    private static final Logger LOG = LoggerFactory.getLogger(CrmOutcomes.class);

    /** A copy for the dead-letter queue: the event id and what the CRM was (or would have been) sent. */
    public record DeadLetter(String eventId, String body) {
    }

    private final AtomicLong lastBroughtForward;
    private final long recoveryDebounceNanos;
    private final CrmDeliveries deliveries;
    private final Counter deadLetters;
    private final Counter delivered;

    public CrmOutcomes(CrmDeliveries deliveries, MeterRegistry meters,
                       CrmSettings settings) {
        this.deliveries = deliveries;
        this.recoveryDebounceNanos = settings.recoveryDebounce().toNanos();
        this.lastBroughtForward = new AtomicLong(System.nanoTime() - recoveryDebounceNanos);
        this.deadLetters = meters.counter("bundle.events.dead", "stage", "crm");
        this.delivered = meters.counter("bundle.crm.delivered");
    }

    /**
     * Records a round's outcomes and attempts, crosses the round out (if any), and follows them up.
     *
     * @return the deliveries now dead-lettered, for the dead-letter queue
     */
    public List<DeadLetter> record(List<Decision> decisions, Long round) {
        if (decisions.isEmpty() && round == null) {
            return List.of();
        }
        deliveries.record(decisions, round);
        List<DeadLetter> dead = new ArrayList<>();
        boolean recovered = false;
        for (Decision decision : decisions) {
            CrmDelivery delivery = decision.attempt().delivery();
            if (decision.outcome() == Outcome.DELIVERED) {
                delivered.increment();
                recovered |= delivery.attempt() > 1;
            } else if (decision.outcome() == Outcome.DEAD) {
                LOG.warn("CRM delivery of {} ({}) dead-lettered after {} attempt(s): {}",
                        delivery.eventId(), delivery.eventType(), delivery.attempt(), decision.reason());
                deadLetters.increment();
                dead.add(new DeadLetter(delivery.eventId(),
                        decision.attempt().body() != null ? decision.attempt().body() : delivery.payload()));
            }
        }
        if (recovered) {
            bringForwardRetriesAfterRecovery();
        }
        return dead;
    }

    /**
     * A delivery that had failed went through: the CRM is back. Deliveries waiting out an outage (connection
     * errors, 5xx) are due now instead of at their scheduled time, hours away perhaps; those the CRM throttled
     * (429) keep their time. Every chat's first success after an outage signals the same recovery: it is acted on
     * once per {@code CRM_RECOVERY_DEBOUNCE}.
     */
    private void bringForwardRetriesAfterRecovery() {
        long now = System.nanoTime();
        long last = lastBroughtForward.get();
        // every chat's first success after an outage signals the same recovery: act on it once
        if (now - last < recoveryDebounceNanos || !lastBroughtForward.compareAndSet(last, now)) {
            return;
        }
        int due = deliveries.bringForwardOutageRetries();
        if (due > 0) {
            LOG.info("CRM is answering again: {} deliveries waiting out the outage are due now", due);
        }
    }
}
