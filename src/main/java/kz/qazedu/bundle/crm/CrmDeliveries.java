package kz.qazedu.bundle.crm;

import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Collectors;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.inbound.OutboxEvent;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The state of every delivery to the CRM ({@code crm_delivery}, {@code crm_delivery_attempt}) and the policy that
 * moves it: which events are forwarded, which one of each chat is due, and what a response or an error means.
 * <ul>
 *   <li>2xx: delivered; if it had failed before, the CRM is back and every delivery waiting out the outage is
 *       due at once.</li>
 *   <li>Connection errors, timeouts, 408, 429 and 5xx: tried again after the next delay of the retry schedule (or
 *       the CRM's {@code Retry-After}, if longer); once the schedule is used up, dead-lettered.</li>
 *   <li>Any other 4xx: dead-lettered at once (the CRM refused it; trying again changes nothing).</li>
 * </ul>
 */
@Component("crmDeliveries")
public class CrmDeliveries {

    private static final Logger LOG = LoggerFactory.getLogger(CrmDeliveries.class);

    /**
     * Per chat, the oldest pending delivery (a loose index scan over {@code crm_delivery_pending}: one index probe
     * per chat, however many deliveries wait behind), of those the due ones, oldest first, leased for one attempt.
     */
    private static final String CLAIM_DUE = """
            with recursive heads as (
                (select ordering_key, seq, event_id, next_attempt_at, leased_until
                   from crm_delivery
                  where state = 'pending'
                  order by ordering_key, seq
                  limit 1)
                union all
                select next.*
                  from heads h
                  cross join lateral (
                      select ordering_key, seq, event_id, next_attempt_at, leased_until
                        from crm_delivery
                       where state = 'pending' and ordering_key > h.ordering_key
                       order by ordering_key, seq
                       limit 1) next)
            update crm_delivery d
               set leased_until = now() + make_interval(secs => ?), attempts = d.attempts + 1, updated_at = now()
              from (select event_id
                      from heads
                     where next_attempt_at <= now() and (leased_until is null or leased_until < now())
                     order by seq
                     limit ?) due
             where d.event_id = due.event_id and d.state = 'pending'
               and (d.leased_until is null or d.leased_until < now())
            returning d.event_id, d.seq, d.ordering_key, d.instance, d.event_type, d.attempts
            """;

    private static final long RECOVERY_DEBOUNCE_NANOS = 5_000_000_000L;

    private final AtomicLong lastBroughtForward = new AtomicLong(System.nanoTime() - RECOVERY_DEBOUNCE_NANOS);
    private final JdbcTemplate jdbc;
    private final boolean enabled;
    private final Set<String> excludedEvents;
    private final RetrySchedule schedule;
    private final long leaseSeconds;
    private final int batchSize;
    private final int maxAttempts;
    private final Counter deadLetters;

    public CrmDeliveries(
            JdbcTemplate jdbc,
            @Value("${bundle.crm.enabled}") boolean enabled,
            @Value("${bundle.crm.excluded-events}") String excludedEvents,
            @Value("${bundle.crm.retry-schedule}") String schedule,
            @Value("${bundle.crm.timeout-ms}") long timeoutMs,
            @Value("${bundle.crm.batch-size}") int batchSize,
            MeterRegistry meters) {
        this.jdbc = jdbc;
        this.enabled = enabled;
        this.excludedEvents = Arrays.stream(excludedEvents.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        this.schedule = new RetrySchedule(schedule);
        // long enough for one attempt; an attempt cut off by a crash is retried when its lease runs out
        this.leaseSeconds = Math.max(5, 3 * timeoutMs / 1000);
        this.batchSize = batchSize;
        this.maxAttempts = this.schedule.size() + 1;
        this.deadLetters = meters.counter("bundle.events.dead", "stage", "crm");
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
     * The oldest pending delivery of each chat whose time has come, leased to this replica for one attempt. A
     * delivery claimed more often than the schedule allows attempts (its attempts ended without an outcome: the
     * process stopped, or recording failed) is dead-lettered instead, so that it cannot hold its chat for ever.
     */
    public List<CrmDelivery> claimDue() {
        List<CrmDelivery> claimed = jdbc.query(CLAIM_DUE, (row, i) -> new CrmDelivery(row.getString("event_id"),
                row.getLong("seq"), row.getString("ordering_key"), row.getString("instance"),
                row.getString("event_type"), row.getInt("attempts")), leaseSeconds, batchSize);
        List<CrmDelivery> due = new ArrayList<>(claimed.size());
        for (CrmDelivery delivery : claimed) {
            if (delivery.attempt() > maxAttempts) {
                jdbc.update("""
                        update crm_delivery
                           set state = 'dead', dead_at = now(), leased_until = null, updated_at = now(),
                               last_error = coalesce(last_error || '; ', '') || ?
                         where event_id = ? and state = 'pending'
                        """, "no outcome recorded after " + maxAttempts + " attempts", delivery.eventId());
                LOG.warn("CRM delivery of {} ({}) dead-lettered: {} attempts ended without an outcome",
                        delivery.eventId(), delivery.eventType(), maxAttempts);
                deadLetters.increment();
            } else {
                due.add(delivery);
            }
        }
        return due;
    }

    /**
     * Records the CRM's answer.
     *
     * @return whether the delivery is now dead-lettered
     */
    @Transactional
    public boolean recordResponse(CrmDelivery delivery, Integer status, String retryAfter, Long startedNanos) {
        long latency = latencyMs(startedNanos);
        if (status != null && status >= 200 && status < 300) {
            jdbc.update("""
                    update crm_delivery
                       set state = 'delivered', delivered_at = now(), last_status = ?, last_error = null,
                           leased_until = null, updated_at = now()
                     where event_id = ?
                    """, status, delivery.eventId());
            logAttempt(delivery, status, latency, null);
            if (delivery.attempt() > 1) {
                bringForwardRetriesAfterRecovery();
            }
            return false;
        }
        boolean retryable = status == null || status == 408 || status == 429 || status >= 500;
        return fail(delivery, status, "CRM answered " + status, latency, retryable, parseRetryAfter(retryAfter));
    }

    /**
     * Records a failure before any answer (connection refused, timeout, ...): always worth another try.
     *
     * @return whether the delivery is now dead-lettered
     */
    @Transactional
    public boolean recordError(CrmDelivery delivery, Exception error, Long startedNanos) {
        if (error instanceof UnmappableEventException unmappable) {
            return fail(delivery, null, abbreviate(unmappable.getMessage()), latencyMs(startedNanos), false, null);
        }
        String reason = error.getClass().getSimpleName() + ": " + error.getMessage();
        return fail(delivery, null, abbreviate(reason), latencyMs(startedNanos), true, null);
    }

    private boolean fail(CrmDelivery delivery, Integer status, String error, long latency, boolean retryable,
                         Duration retryAfter) {
        logAttempt(delivery, status, latency, error);
        Duration delay = retryable ? schedule.delayAfter(delivery.attempt()) : null;
        if (delay == null) {
            jdbc.update("""
                    update crm_delivery
                       set state = 'dead', dead_at = now(), last_status = ?, last_error = ?, leased_until = null,
                           updated_at = now()
                     where event_id = ?
                    """, status, error, delivery.eventId());
            LOG.warn("CRM delivery of {} ({}) dead-lettered after {} attempt(s): {}",
                    delivery.eventId(), delivery.eventType(), delivery.attempt(), error);
            deadLetters.increment();
            return true;
        }
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            delay = retryAfter;
        }
        jdbc.update("""
                update crm_delivery
                   set next_attempt_at = now() + make_interval(secs => ?), last_status = ?, last_error = ?,
                       leased_until = null, updated_at = now()
                 where event_id = ?
                """, delay.toMillis() / 1000.0, status, error, delivery.eventId());
        return false;
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

    private void logAttempt(CrmDelivery delivery, Integer status, long latency, String error) {
        jdbc.update("""
                insert into crm_delivery_attempt (event_id, attempt, attempted_at, status_code, latency_ms, error)
                values (?, ?, ?, ?, ?, ?)
                """, delivery.eventId(), delivery.attempt(), Timestamp.from(Instant.now().minusMillis(latency)),
                status, (int) latency, error);
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= 1000 ? text : text.substring(0, 1000) + "…";
    }

    private static long latencyMs(Long startedNanos) {
        return startedNanos == null ? 0 : (System.nanoTime() - startedNanos) / 1_000_000;
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
