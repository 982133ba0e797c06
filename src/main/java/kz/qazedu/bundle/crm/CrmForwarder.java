package kz.qazedu.bundle.crm;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import kz.qazedu.bundle.crm.CrmDeliveries.Round;
import kz.qazedu.bundle.crm.CrmDeliveryPolicy.Claim;
import kz.qazedu.bundle.crm.CrmDeliveryPolicy.Decision;
import kz.qazedu.bundle.crm.CrmDeliveryPolicy.Outcome;
import kz.qazedu.bundle.crm.CrmOutcomes.DeadLetter;
import org.springframework.stereotype.Component;

/**
 * Forwarding rounds, during this replica's turn ({@link CrmForwardingTurn}): claim the due deliveries of many chats
 * at once ({@link CrmDeliveries#claimDue}), post each
 * chat's deliveries one after the other in order while they go through, up to {@code CRM_CONCURRENCY} chats at a
 * time on the pooled {@link CrmClient}, decide what each attempt means ({@link CrmDeliveryPolicy}) and record
 * every outcome in one statement ({@link CrmOutcomes}). A chat stops at its first delivery that must be retried;
 * what is left of it is released for a later round. No new attempt starts once a round has run for
 * {@code CRM_TIMEOUT_MS}, so a slow CRM cannot hold a round for long. Busy rounds follow one another at once; the
 * route's timer ({@code CRM_POLL_INTERVAL_MS}) only paces an idle forwarder.
 */
@Component("crmForwarder")
public class CrmForwarder {

    /** How long back-to-back busy rounds may run before the route gets the dead letters and the timer ticks. */
    private static final long HAND_BACK_NANOS = TimeUnit.SECONDS.toNanos(1);

    private final CrmForwardingTurn turn;
    private final CrmDeliveries deliveries;
    private final CrmDeliveryPolicy policy;
    private final CrmOutcomes outcomes;
    private final CrmRequests requests;
    private final CrmClient client;
    private final Clock clock;
    private final int concurrency;
    private final long timeoutNanos;
    private final long probeIntervalNanos;
    private volatile boolean crmDown;
    private long nextProbe;

    public CrmForwarder(CrmForwardingTurn turn, CrmDeliveries deliveries, CrmDeliveryPolicy policy, CrmOutcomes outcomes,
                        CrmRequests requests, CrmClient client, Clock clock,
                        CrmSettings settings) {
        this.turn = turn;
        this.deliveries = deliveries;
        this.policy = policy;
        this.outcomes = outcomes;
        this.requests = requests;
        this.client = client;
        this.clock = clock;
        this.concurrency = settings.concurrency();
        this.timeoutNanos = settings.timeoutMs().toNanos();
        this.probeIntervalNanos = settings.probeInterval().toNanos();
    }

    /**
     * Runs rounds while there is work, for about a second at most, if it is this replica's turn
     * ({@link CrmForwardingTurn}).
     *
     * @return the deliveries dead-lettered meanwhile, for the dead-letter queue
     */
    public List<DeadLetter> forward() {
        return turn.take(this::rounds).orElse(List.of());
    }

    private List<DeadLetter> rounds() {
        List<DeadLetter> dead = new ArrayList<>();
        long handBack = System.nanoTime() + HAND_BACK_NANOS;
        probeIfDown();
        do {
            Round round = deliveries.claimDue();
            if (round.deliveries().isEmpty()) {
                break;
            }
            Claim claim = policy.sortOut(round.deliveries());
            dead.addAll(outcomes.record(claim.settled(), null));
            List<Decision> decisions = send(claim.due());
            follow(decisions);
            dead.addAll(outcomes.record(decisions, round.id()));
        } while (System.nanoTime() < handBack);
        return dead;
    }

    /**
     * While the CRM seems down (no success since its last failure without an answer or with a 5xx), every
     * {@code CRM_PROBE_INTERVAL} the oldest delivery waiting out the outage is tried ahead of its schedule, so that
     * the backlog starts moving within that time of the CRM's return rather than at the next scheduled retry,
     * minutes or hours later. A failed probe costs its delivery no attempt.
     */
    private void probeIfDown() {
        long now = System.nanoTime();
        if (!crmDown || now - nextProbe < 0) {
            return;
        }
        nextProbe = now + probeIntervalNanos;
        Round probe = deliveries.claimProbe();
        for (CrmDelivery delivery : probe.deliveries()) {
            Decision decision = policy.decide(attempt(delivery).join());
            follow(List.of(decision));
            outcomes.record(List.of(decision.outcome() == Outcome.DELIVERED ? decision : policy.probeFailed(delivery)),
                    probe.id());
        }
    }

    /** Whether the CRM seems down: the latest answers of a round tell. */
    private void follow(List<Decision> decisions) {
        boolean succeeded = decisions.stream().anyMatch(d -> d.outcome() == Outcome.DELIVERED);
        boolean outage = decisions.stream().map(Decision::attempt)
                .anyMatch(a -> a.tried() && a.error() != null && !(a.error() instanceof UnmappableEventException)
                        || a.status() != null && a.status() >= 500);
        if (succeeded) {
            crmDown = false;
        } else if (outage) {
            if (!crmDown) {
                nextProbe = System.nanoTime() + probeIntervalNanos;
            }
            crmDown = true;
        }
    }

    /** One round's posting: chats side by side, each chat's deliveries in order. */
    List<Decision> send(List<CrmDelivery> claimed) {
        Map<String, List<CrmDelivery>> chats = new LinkedHashMap<>();
        for (CrmDelivery delivery : claimed) {
            chats.computeIfAbsent(delivery.orderingKey(), key -> new ArrayList<>()).add(delivery);
        }
        Queue<List<CrmDelivery>> waiting = new ConcurrentLinkedQueue<>(chats.values());
        List<Decision> decisions = Collections.synchronizedList(new ArrayList<>(claimed.size()));
        long lastStart = System.nanoTime() + timeoutNanos;
        List<CompletableFuture<Void>> workers = new ArrayList<>();
        for (int i = 0; i < Math.min(concurrency, chats.size()); i++) {
            workers.add(nextChat(waiting, decisions, lastStart));
        }
        CompletableFuture.allOf(workers.toArray(CompletableFuture[]::new)).join();
        return decisions;
    }

    private CompletableFuture<Void> nextChat(Queue<List<CrmDelivery>> waiting, List<Decision> decisions, long lastStart) {
        List<CrmDelivery> chat = waiting.poll();
        if (chat == null) {
            return CompletableFuture.completedFuture(null);
        }
        return sendChat(chat, 0, decisions, lastStart).thenCompose(done -> nextChat(waiting, decisions, lastStart));
    }

    private CompletableFuture<Void> sendChat(List<CrmDelivery> chat, int index, List<Decision> decisions, long lastStart) {
        if (index == chat.size()) {
            return CompletableFuture.completedFuture(null);
        }
        if (System.nanoTime() - lastStart > 0) {
            release(chat, index, decisions);
            return CompletableFuture.completedFuture(null);
        }
        return attempt(chat.get(index)).thenCompose(attempt -> {
            Decision decision = policy.decide(attempt);
            decisions.add(decision);
            if (!decision.chatGoesOn()) {
                release(chat, index + 1, decisions);
                return CompletableFuture.completedFuture(null);
            }
            return sendChat(chat, index + 1, decisions, lastStart);
        });
    }

    private void release(List<CrmDelivery> chat, int from, List<Decision> decisions) {
        for (CrmDelivery delivery : chat.subList(from, chat.size())) {
            decisions.add(policy.decide(CrmAttempt.notTried(delivery)));
        }
    }

    private CompletableFuture<CrmAttempt> attempt(CrmDelivery delivery) {
        Instant startedAt = clock.instant();
        long started = System.nanoTime();
        CrmRequests.CrmRequest request;
        try {
            request = requests.build(delivery);
        } catch (UnmappableEventException unmappable) {
            return CompletableFuture.completedFuture(
                    CrmAttempt.failed(delivery, unmappable, startedAt, 0, delivery.payload()));
        }
        return client.post(request.body(), request.headers()).handle((answer, error) -> {
            long latency = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
            if (error != null) {
                Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
                return CrmAttempt.failed(delivery, cause, startedAt, latency, request.text());
            }
            return CrmAttempt.answered(delivery, answer.status(), answer.retryAfter(), startedAt, latency,
                    CrmAttempt.takes(answer.status()) ? null : request.text());
        });
    }
}
