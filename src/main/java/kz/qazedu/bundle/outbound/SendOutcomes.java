package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.outbound.OutboundStatus.FAILED;
import static kz.qazedu.bundle.outbound.OutboundStatus.QUEUED;
import static kz.qazedu.bundle.outbound.OutboundStatus.SENDING;
import static kz.qazedu.bundle.outbound.OutboundStatus.SENT;
import static kz.qazedu.bundle.outbound.OutboundStatus.UNKNOWN;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;

import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.instance.InstanceTags;
import kz.qazedu.bundle.runtime.RetrySchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Evolution's answer to a send ({@link EvolutionAnswers}) as the message's status and the instance's counters:
 * <ul>
 *   <li>sent: 201 with the WhatsApp id; webhooks then move it on (delivered, read, played)</li>
 *   <li>failed: not on WhatsApp, any other rejection, or a configuration error (401/404), which also pauses the
 *       instance</li>
 *   <li>queued again with backoff: nothing was sent (connection refused, 500, 503); after the last retry of
 *       {@code OUTBOUND_RETRY_SCHEDULE}, failed</li>
 *   <li>queued again, the instance held: Evolution says the instance lost its connection</li>
 *   <li>unknown: the request went out but no answer came back; never sent again blindly, since a duplicate
 *       reminder is worse than a late one. The {@code send.message} webhook confirms it, or the housekeeping
 *       decides after the unconfirmed window.</li>
 * </ul>
 * Repeated failures in a row pause the instance ({@code OUTBOUND_PAUSE_AFTER_FAILURES}), a sign that WhatsApp may
 * be restricting the number. Whatever the answer, the instance's next send is counted from it.
 */
@Component("sendOutcomes")
public class SendOutcomes {

    private static final Logger LOG = LoggerFactory.getLogger(SendOutcomes.class);

    private final JdbcTemplate jdbc;
    private final OutboundStatusWriter statuses;
    private final Clock clock;
    private final InstancePacing pacing;
    private final InstanceSending sending;
    private final MeterRegistry meters;
    private final InstanceTags tags;
    private final RetrySchedule retries;
    private final int pauseAfterFailures;

    public SendOutcomes(
            JdbcTemplate jdbc,
            OutboundStatusWriter statuses,
            Clock clock,
            InstancePacing pacing,
            InstanceSending sending,
            MeterRegistry meters,
            InstanceTags tags,
            OutboundSettings settings) {
        this.jdbc = jdbc;
        this.statuses = statuses;
        this.clock = clock;
        this.pacing = pacing;
        this.sending = sending;
        this.meters = meters;
        this.tags = tags;
        this.retries = new RetrySchedule(settings.retrySchedule());
        this.pauseAfterFailures = settings.pauseAfterFailures();
    }

    /** Evolution answered. */
    @Transactional
    public void answered(SendJob job, Integer httpStatus, String body) {
        EvolutionOutcome outcome = httpStatus == null
                ? EvolutionAnswers.classify(new IllegalStateException("no HTTP status"))
                : EvolutionAnswers.classify(httpStatus, body);
        if (outcome.kind() == EvolutionOutcome.Kind.CONFIGURATION_ERROR && httpStatus == 404
                && !Boolean.TRUE.equals(jdbc.queryForObject("select exists (select 1 from instance where name = ?)",
                        Boolean.class, job.instance()))) {
            // an instance no webhook ever came from: probably a mistyped name in the request. The message fails as a
            // configuration error (health lists the name), but there is no instance of that name to pause.
            apply(job, new EvolutionOutcome(EvolutionOutcome.Kind.REJECTED, null, outcome.reason()),
                    OutboundReason.CONFIGURATION, false);
            return;
        }
        apply(job, outcome, null, httpStatus != null && httpStatus >= 500);
    }

    /** The call failed without an answer (only the HTTP call's own errors come here). */
    @Transactional
    public void failedWithoutAnswer(SendJob job, Exception error) {
        apply(job, EvolutionAnswers.classify(error), null, false);
    }

    /**
     * Applies Evolution's outcome, unless a webhook has meanwhile moved the message on ({@code send.message} often
     * comes before Evolution's HTTP answer): then only a WhatsApp id is worth keeping, and nothing counts against
     * the instance.
     *
     * @param failureCode  the reason code of a failure, when not the outcome's own
     * @param serverError  Evolution answered 5xx: the message may have gone out after all
     */
    private void apply(SendJob job, EvolutionOutcome outcome, OutboundReason failureCode, boolean serverError) {
        Instant now = clock.instant();
        meters.counter("bundle.outbound.sends", "instance", tags.of(job.instance()), "outcome",
                failureCode != null ? failureCode.code() : outcome.kind().name().toLowerCase()).increment();
        if (outcome.kind() == EvolutionOutcome.Kind.SENT) {
            statuses.change(job.id(), SENT, null, null, outcome.waMessageId(), now);
            paceFromNow(job, now);
            jdbc.update("""
                    update outbound_instance set consecutive_failures = 0, consecutive_disconnects = 0, updated_at = ?
                     where instance = ?
                    """, ts(now), job.instance());
            return;
        }
        String current = jdbc.queryForObject("select status from outbound_message where id = ? for update",
                String.class, job.id());
        paceFromNow(job, now);
        if (!SENDING.wireName().equals(current)) {
            LOG.info("Send of {} on instance {} is already {}; Evolution's outcome ({}) changes nothing",
                    job.id(), job.instance(), current, outcome.reason());
            return;
        }
        switch (outcome.kind()) {
            case NOT_ON_WHATSAPP -> failed(job, OutboundReason.NOT_ON_WHATSAPP, outcome.reason(), now);
            case REJECTED -> {
                if (failureCode != null) {
                    // the request's own mistake, not the number's: nothing counts against the instance
                    statuses.change(job.id(), FAILED, failureCode, outcome.reason(), null, now);
                } else {
                    failed(job, OutboundReason.REJECTED, outcome.reason(), now);
                }
            }
            case CONFIGURATION_ERROR -> {
                statuses.change(job.id(), FAILED, OutboundReason.CONFIGURATION, outcome.reason(), null, now);
                sending.pause(job.instance(), "configuration", outcome.reason());
            }
            case RETRY -> {
                Duration delay = retries.delayAfter(job.attempt());
                if (delay == null) {
                    failed(job, OutboundReason.RETRIES_EXHAUSTED,
                            outcome.reason() + " (after " + job.attempt() + " attempts)", now);
                } else {
                    requeue(job, now.plus(delay), "retry after: " + outcome.reason());
                    // after a 5xx the message may have gone out: a send.message can still confirm it
                    statuses.force(job.id(), QUEUED,
                            serverError ? OutboundReason.RETRYING_SERVER_ERROR : OutboundReason.RETRYING,
                            outcome.reason(), now);
                    countFailure(job, outcome.reason(), now);
                }
            }
            case DISCONNECTED -> disconnected(job, outcome.reason(), now);
            case UNKNOWN -> {
                jdbc.update("update outbound_message set sent_at = ? where id = ?", ts(now), job.id());
                statuses.change(job.id(), UNKNOWN, OutboundReason.UNCONFIRMED, outcome.reason(), null, now);
                countFailure(job, outcome.reason(), now);
            }
        }
    }

    /**
     * The number lost WhatsApp: the message goes back to the queue (not counted as an attempt) and the instance
     * waits, longer each time in a row (the retry schedule); after as many in a row as pause the instance on
     * failures, it is paused: the phone needs someone's hand.
     */
    private void disconnected(SendJob job, String reason, Instant now) {
        requeue(job, now, reason);
        jdbc.update("update outbound_message set attempts = attempts - 1 where id = ?", job.id());
        statuses.force(job.id(), QUEUED, OutboundReason.INSTANCE_DISCONNECTED, reason, now);
        Integer inARow = jdbc.queryForObject("""
                update outbound_instance set consecutive_disconnects = consecutive_disconnects + 1, updated_at = ?
                 where instance = ? returning consecutive_disconnects
                """, Integer.class, ts(now), job.instance());
        int times = inARow == null ? 1 : inARow;
        if (pauseAfterFailures > 0 && times >= pauseAfterFailures) {
            sending.pause(job.instance(), "disconnected",
                    "Evolution answered Connection Closed " + times + " times in a row; reconnect the number, then resume");
            return;
        }
        Duration hold = retries.delayAfter(times);
        if (hold == null) {
            hold = retries.longest();
        }
        jdbc.update("""
                update outbound_instance set held_until = ?, held_reason = ?, updated_at = ? where instance = ?
                """, ts(now.plus(hold)), reason, ts(now), job.instance());
    }

    /**
     * Counts the instance's gap from the moment Evolution answered, when the message is out, rather than from the
     * decision: a call that took long to start (a new connection, a slow commit) must not bring the next send
     * closer. The next send starts after the drawn gap, and never sooner than 60 s / maxPerMinute.
     */
    private void paceFromNow(SendJob job, Instant now) {
        Duration spacing = PacingPolicy.spacing(pacing.forInstance(job.instance()));
        jdbc.update("""
                update outbound_instance oi
                   set next_send_at = greatest(oi.next_send_at, ?::timestamptz + greatest(
                           (oi.next_send_at - m.attempted_at) - make_interval(secs => ?),
                           make_interval(secs => ?))),
                       updated_at = ?
                  from outbound_message m
                 where m.id = ? and oi.instance = m.instance and m.attempted_at is not null
                """, ts(now), job.typingMs() / 1000.0, spacing.toMillis() / 1000.0, ts(now), job.id());
    }

    private void requeue(SendJob job, Instant notBefore, String reason) {
        jdbc.update("update outbound_message set not_before = ?, waiting_reason = ? where id = ?",
                ts(notBefore), reason, job.id());
    }

    private void failed(SendJob job, OutboundReason code, String reason, Instant now) {
        statuses.change(job.id(), FAILED, code, reason, null, now);
        countFailure(job, reason, now);
    }

    private void countFailure(SendJob job, String reason, Instant now) {
        Integer failures = jdbc.queryForObject("""
                update outbound_instance set consecutive_failures = consecutive_failures + 1, updated_at = ?
                 where instance = ? returning consecutive_failures
                """, Integer.class, ts(now), job.instance());
        LOG.info("Send of {} on instance {} failed ({} in a row): {}", job.id(), job.instance(), failures, reason);
        if (failures != null && pauseAfterFailures > 0 && failures >= pauseAfterFailures) {
            sending.pause(job.instance(), "repeated_failures",
                    failures + " sends in a row failed; the last: " + reason);
        }
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }
}
