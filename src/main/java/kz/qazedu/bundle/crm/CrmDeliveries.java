package kz.qazedu.bundle.crm;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.inbound.OutboxEvent;
import kz.qazedu.bundle.runtime.RetrySchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The state of every delivery to the CRM ({@code crm_delivery}, {@code crm_delivery_attempt}) and the policy that
 * moves it: which events are forwarded, which ones of each chat are due, and what an answer or an error means.
 * <ul>
 *   <li>2xx: delivered; if it had failed before, the CRM is back and every delivery waiting out the outage is
 *       due at once.</li>
 *   <li>Connection errors, timeouts, 408, 429 and 5xx: tried again after the next delay of the retry schedule (or
 *       the CRM's {@code Retry-After}, if longer); once the schedule is used up, dead-lettered. The chat waits.</li>
 *   <li>Any other 4xx, or an event that cannot be mapped: dead-lettered at once (trying again changes nothing);
 *       the chat goes on.</li>
 * </ul>
 * A round claims, in one statement, the due head of up to {@code CRM_BATCH_SIZE} chats and up to
 * {@code CRM_CHAT_BURST} deliveries of each chat in order, with the stored events they carry; it records every
 * outcome and every attempt in one statement. Replicas claim one at a time (advisory lock {@code CRM_LOCK_KEY},
 * held for the claim only): otherwise a replica whose snapshot predates another's claim could lease the later
 * deliveries of a chat whose earlier ones the other is sending.
 */
@Component("crmDeliveries")
public class CrmDeliveries {

    private static final Logger LOG = LoggerFactory.getLogger(CrmDeliveries.class);

    /**
     * Per chat, the oldest pending delivery (a loose index scan over {@code crm_delivery_pending}: one index probe
     * per chat, however many deliveries wait behind); of the chats whose head is due, the oldest ones; of each, the
     * first deliveries in order up to the first that is not due; all leased for one attempt, with their events.
     *
     * <p>The plan must not depend on statistics: a queue table's are often taken while nothing is pending, and a
     * planner that believes in one pending row would scan every pending delivery once per row of the burst
     * (minutes with tens of thousands waiting). So the burst is computed once ({@code materialized}) and the rows
     * are leased by primary key: the state is tested as "neither delivered nor dead" (the same thing, by the
     * table's check constraint), which the partial index does not cover and the planner cannot pick.
     */
    static final String CLAIM_DUE = """
            with recursive heads as (
                (select ordering_key, seq, next_attempt_at, leased_until
                   from crm_delivery
                  where state = 'pending'
                  order by ordering_key, seq
                  limit 1)
                union all
                select next.*
                  from heads h
                  cross join lateral (
                      select ordering_key, seq, next_attempt_at, leased_until
                        from crm_delivery
                       where state = 'pending' and ordering_key > h.ordering_key
                       order by ordering_key, seq
                       limit 1) next),
            ready as materialized (
                select ordering_key, seq
                  from heads
                 where next_attempt_at <= now() and (leased_until is null or leased_until < now())
                 order by seq
                 limit ?),
            burst as materialized (
                select run.event_id
                  from ready r
                 cross join lateral (
                     select event_id, bool_and(free) over (order by seq) as free_so_far
                       from (select event_id, seq,
                                    next_attempt_at <= now() and (leased_until is null or leased_until < now()) as free
                               from crm_delivery d
                              where d.state = 'pending' and d.ordering_key = r.ordering_key and d.seq >= r.seq
                              order by seq
                              limit ?) first) run
                 where run.free_so_far),
            leased as (
                update crm_delivery d
                   set leased_until = now() + make_interval(secs => ?), attempts = d.attempts + 1, updated_at = now()
                 where d.event_id in (select event_id from burst) and d.state not in ('delivered', 'dead')
                   and (d.leased_until is null or d.leased_until < now())
                returning d.event_id, d.seq, d.ordering_key, d.instance, d.event_type, d.attempts)
            select l.event_id, l.seq, l.ordering_key, l.instance, l.event_type, l.attempts, e.received_at,
                   e.payload::text as payload
              from leased l
              left join inbound_event e on e.seq = l.seq
             order by l.ordering_key, l.seq
            """;

    /**
     * The oldest delivery waiting out an outage (its last attempt got no answer or a 5xx), due or not, leased for
     * one attempt: the probe that tells when the CRM is back. Such a delivery is always the head of its chat.
     */
    private static final String CLAIM_PROBE = """
            with probe as (
                update crm_delivery d
                   set leased_until = now() + make_interval(secs => ?), attempts = d.attempts + 1, updated_at = now()
                 where d.event_id = (select event_id
                                       from crm_delivery
                                      where state = 'pending' and attempts > 0 and next_attempt_at > now()
                                        and (last_status is null or last_status >= 500)
                                        and (leased_until is null or leased_until < now())
                                      order by seq
                                      limit 1
                                      for update skip locked)
                returning d.event_id, d.seq, d.ordering_key, d.instance, d.event_type, d.attempts)
            select p.event_id, p.seq, p.ordering_key, p.instance, p.event_type, p.attempts, e.received_at,
                   e.payload::text as payload
              from probe p
              left join inbound_event e on e.seq = p.seq
            """;

    /** Every outcome of a round, then every attempt: one statement, by primary key whatever the statistics say. */
    static final String RECORD_ROUND = """
            with outcome as materialized (
                select * from unnest(?::text[], ?::text[], ?::integer[], ?::text[], ?::float8[])
                           as o(event_id, outcome, status, error, delay_seconds)),
            changed as (
                update crm_delivery d
                   set state = case o.outcome when 'delivered' then 'delivered' when 'dead' then 'dead' else 'pending' end,
                       delivered_at = case when o.outcome = 'delivered' then now() else d.delivered_at end,
                       dead_at = case when o.outcome = 'dead' then now() else d.dead_at end,
                       next_attempt_at = case when o.outcome = 'retry'
                                              then now() + make_interval(secs => o.delay_seconds)
                                              else d.next_attempt_at end,
                       attempts = case when o.outcome = 'released' then d.attempts - 1 else d.attempts end,
                       last_status = case when o.outcome = 'released' then d.last_status else o.status end,
                       last_error = case when o.outcome = 'released' then d.last_error else o.error end,
                       leased_until = null, updated_at = now()
                  from outcome o
                 where d.event_id = o.event_id and d.state not in ('delivered', 'dead')
                returning 1)
            insert into crm_delivery_attempt (event_id, attempt, attempted_at, status_code, latency_ms, error)
            select * from unnest(?::text[], ?::integer[], ?::timestamptz[], ?::integer[], ?::integer[], ?::text[])
            """;

    private static final long RECOVERY_DEBOUNCE_NANOS = 5_000_000_000L;

    /** What a round's attempt means for its delivery. */
    public enum Outcome { DELIVERED, RETRY, DEAD, RELEASED }

    /**
     * One delivery's outcome in a round.
     *
     * @param delay  before the next attempt (RETRY only)
     * @param reason why it failed, as recorded in {@code last_error}
     */
    public record Decision(CrmAttempt attempt, Outcome outcome, Duration delay, String reason) {

        /** Whether the chat's next delivery may go now: only a delivery waiting for a retry holds its chat. */
        public boolean chatGoesOn() {
            return outcome == Outcome.DELIVERED || outcome == Outcome.DEAD;
        }
    }

    /** A copy for the dead-letter queue: the event id and what the CRM was (or would have been) sent. */
    public record DeadLetter(String eventId, String body) {
    }

    private final AtomicLong lastBroughtForward = new AtomicLong(System.nanoTime() - RECOVERY_DEBOUNCE_NANOS);
    private final JdbcTemplate jdbc;
    private final TransactionTemplate claimTransaction;
    private final long lockKey;
    private final boolean enabled;
    private final Set<String> excludedEvents;
    private final RetrySchedule schedule;
    private final long leaseSeconds;
    private final int batchSize;
    private final int chatBurst;
    private final int maxAttempts;
    private final Counter deadLetters;
    private final Counter delivered;

    public CrmDeliveries(
            JdbcTemplate jdbc,
            PlatformTransactionManager transactions,
            @Value("${bundle.crm.lock-key}") long lockKey,
            @Value("${bundle.crm.enabled}") boolean enabled,
            @Value("${bundle.crm.excluded-events}") String excludedEvents,
            @Value("${bundle.crm.retry-schedule}") String schedule,
            @Value("${bundle.crm.timeout-ms}") long timeoutMs,
            @Value("${bundle.crm.batch-size}") int batchSize,
            @Value("${bundle.crm.chat-burst}") int chatBurst,
            MeterRegistry meters) {
        this.jdbc = jdbc;
        this.claimTransaction = new TransactionTemplate(transactions);
        this.lockKey = lockKey;
        this.enabled = enabled;
        this.excludedEvents = Arrays.stream(excludedEvents.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        this.schedule = new RetrySchedule(schedule);
        this.batchSize = batchSize;
        this.chatBurst = Math.max(1, chatBurst);
        // long enough for a round (no new attempt starts after one timeout, the last one may take another two);
        // an attempt cut off by a crash is retried when its lease runs out
        this.leaseSeconds = Math.max(5, 4 * timeoutMs / 1000);
        this.maxAttempts = this.schedule.size() + 1;
        this.deadLetters = meters.counter("bundle.events.dead", "stage", "crm");
        this.delivered = meters.counter("bundle.crm.delivered");
    }

    /**
     * Records the relay's round of events as deliveries (but the excluded types), in the relay's own PostgreSQL
     * transaction: an event becomes a delivery exactly when it leaves the outbox for the broker, so the CRM path
     * can neither miss one nor see one twice, and costs no broker round trip of its own.
     */
    public void enqueueAll(List<OutboxEvent> events) {
        if (!enabled) {
            return;
        }
        List<OutboxEvent> forwarded = events.stream().filter(e -> !excludedEvents.contains(e.eventType())).toList();
        if (forwarded.isEmpty()) {
            return;
        }
        jdbc.update(connection -> {
            var insert = connection.prepareStatement("""
                    insert into crm_delivery (event_id, seq, ordering_key, instance, event_type)
                    select * from unnest(?::text[], ?::bigint[], ?::text[], ?::text[], ?::text[])
                    on conflict (event_id) do nothing
                    """);
            insert.setArray(1, connection.createArrayOf("text", forwarded.stream().map(OutboxEvent::eventId).toArray()));
            insert.setArray(2, connection.createArrayOf("bigint", forwarded.stream().map(OutboxEvent::seq).toArray()));
            insert.setArray(3, connection.createArrayOf("text", forwarded.stream().map(OutboxEvent::orderingKey).toArray()));
            insert.setArray(4, connection.createArrayOf("text", forwarded.stream().map(OutboxEvent::instance).toArray()));
            insert.setArray(5, connection.createArrayOf("text", forwarded.stream().map(OutboxEvent::eventType).toArray()));
            return insert;
        });
    }

    /**
     * The due deliveries of the next round, per chat in order, leased to this replica. A delivery claimed more
     * often than the schedule allows attempts (its attempts ended without an outcome: the process stopped, or
     * recording failed) is dead-lettered instead, so that it cannot hold its chat for ever; the deliveries of its
     * chat claimed after it are released for the next round.
     */
    public List<CrmDelivery> claimDue() {
        List<CrmDelivery> claimed = claimAlone(CLAIM_DUE, batchSize, chatBurst, leaseSeconds);
        if (claimed.stream().noneMatch(d -> d.attempt() > maxAttempts)) {
            return claimed;
        }
        List<CrmDelivery> due = new ArrayList<>(claimed.size());
        List<Decision> settled = new ArrayList<>();
        String heldChat = null;
        for (CrmDelivery delivery : claimed) {
            if (delivery.orderingKey().equals(heldChat)) {
                settled.add(new Decision(CrmAttempt.notTried(delivery), Outcome.RELEASED, null, null));
            } else if (delivery.attempt() > maxAttempts) {
                settled.add(new Decision(CrmAttempt.notTried(delivery), Outcome.DEAD, null,
                        "no outcome recorded after " + maxAttempts + " attempts"));
                heldChat = delivery.orderingKey();
            } else {
                due.add(delivery);
            }
        }
        record(settled);
        return due;
    }

    /**
     * A probe while the CRM seems down: the oldest delivery waiting out the outage, tried ahead of its schedule. If
     * the CRM takes it, {@link #record} brings every delivery waiting out the outage forward; if not, give it back
     * with {@link #probeFailed}, which leaves its schedule and its attempts as they were.
     */
    public Optional<CrmDelivery> claimProbe() {
        return claimAlone(CLAIM_PROBE, leaseSeconds).stream().findFirst();
    }

    /** A claim while no other replica claims: the lock is taken first, so the claim's snapshot sees their leases. */
    private List<CrmDelivery> claimAlone(String claim, Object... parameters) {
        return claimTransaction.execute(status -> {
            jdbc.query("select pg_advisory_xact_lock(?)", row -> null, lockKey);
            return jdbc.query(claim, CrmDeliveries::toDelivery, parameters);
        });
    }

    /** A failed probe: not an attempt of its delivery. */
    public Decision probeFailed(CrmDelivery delivery) {
        return new Decision(CrmAttempt.notTried(delivery), Outcome.RELEASED, null, null);
    }

    private static CrmDelivery toDelivery(java.sql.ResultSet row, int index) throws java.sql.SQLException {
        Timestamp receivedAt = row.getTimestamp("received_at");
        return new CrmDelivery(row.getString("event_id"), row.getLong("seq"), row.getString("ordering_key"),
                row.getString("instance"), row.getString("event_type"), row.getInt("attempts"),
                receivedAt == null ? null : receivedAt.toInstant(), row.getString("payload"));
    }

    /** What an attempt means for its delivery (a retry's delay is drawn here, once). */
    public Decision decide(CrmAttempt attempt) {
        if (!attempt.tried()) {
            return new Decision(attempt, Outcome.RELEASED, null, null);
        }
        if (attempt.succeeded()) {
            return new Decision(attempt, Outcome.DELIVERED, null, null);
        }
        if (attempt.error() instanceof UnmappableEventException unmappable) {
            return new Decision(attempt, Outcome.DEAD, null, abbreviate(unmappable.getMessage()));
        }
        Integer status = attempt.status();
        String reason = status != null ? "CRM answered " + status
                : abbreviate(attempt.error().getClass().getSimpleName() + ": " + attempt.error().getMessage());
        boolean retryable = status == null || status == 408 || status == 429 || status >= 500;
        Duration delay = retryable ? schedule.delayAfter(attempt.delivery().attempt()) : null;
        if (delay == null) {
            return new Decision(attempt, Outcome.DEAD, null, reason);
        }
        Duration retryAfter = parseRetryAfter(attempt.retryAfter());
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            delay = retryAfter;
        }
        return new Decision(attempt, Outcome.RETRY, delay, reason);
    }

    /**
     * Records a round's outcomes and attempts in one statement.
     *
     * @return the deliveries now dead-lettered, for the dead-letter queue
     */
    public List<DeadLetter> record(List<Decision> decisions) {
        if (decisions.isEmpty()) {
            return List.of();
        }
        List<Decision> tried = decisions.stream().filter(d -> d.attempt().tried()).toList();
        jdbc.update(connection -> {
            var statement = connection.prepareStatement(RECORD_ROUND);
            statement.setArray(1, connection.createArrayOf("text",
                    decisions.stream().map(d -> d.attempt().delivery().eventId()).toArray()));
            statement.setArray(2, connection.createArrayOf("text",
                    decisions.stream().map(d -> d.outcome().name().toLowerCase(Locale.ROOT)).toArray()));
            statement.setArray(3, connection.createArrayOf("integer",
                    decisions.stream().map(d -> d.attempt().status()).toArray()));
            statement.setArray(4, connection.createArrayOf("text", decisions.stream().map(Decision::reason).toArray()));
            statement.setArray(5, connection.createArrayOf("float8", decisions.stream()
                    .map(d -> d.delay() == null ? null : d.delay().toMillis() / 1000.0).toArray()));
            statement.setArray(6, connection.createArrayOf("text",
                    tried.stream().map(d -> d.attempt().delivery().eventId()).toArray()));
            statement.setArray(7, connection.createArrayOf("integer",
                    tried.stream().map(d -> d.attempt().delivery().attempt()).toArray()));
            statement.setArray(8, connection.createArrayOf("timestamptz",
                    tried.stream().map(d -> Timestamp.from(d.attempt().startedAt())).toArray()));
            statement.setArray(9, connection.createArrayOf("integer",
                    tried.stream().map(d -> d.attempt().status()).toArray()));
            statement.setArray(10, connection.createArrayOf("integer",
                    tried.stream().map(d -> (int) d.attempt().latencyMs()).toArray()));
            statement.setArray(11, connection.createArrayOf("text", tried.stream().map(Decision::reason).toArray()));
            return statement;
        });
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
     * (429) keep their time.
     */
    private void bringForwardRetriesAfterRecovery() {
        long now = System.nanoTime();
        long last = lastBroughtForward.get();
        // every chat's first success after an outage signals the same recovery: act on it once
        if (now - last < RECOVERY_DEBOUNCE_NANOS || !lastBroughtForward.compareAndSet(last, now)) {
            return;
        }
        int due = jdbc.update("""
                update crm_delivery
                   set next_attempt_at = now(), updated_at = now()
                 where state = 'pending' and attempts > 0 and next_attempt_at > now()
                   and (last_status is null or last_status >= 500)
                """);
        if (due > 0) {
            LOG.info("CRM is answering again: {} deliveries waiting out the outage are due now", due);
        }
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= 1000 ? text : text.substring(0, 1000) + "…";
    }

    /** {@code Retry-After} in seconds or as an HTTP date. */
    static Duration parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = DateTimeFormatter.RFC_1123_DATE_TIME.parse(value.trim(), Instant::from);
                Duration wait = Duration.between(Instant.now(), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }
}
