package kz.qazedu.bundle.crm;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

import kz.qazedu.bundle.crm.CrmDeliveryPolicy.Decision;
import kz.qazedu.bundle.inbound.OutboxEvent;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The state of every delivery to the CRM, in PostgreSQL ({@code crm_delivery}, {@code crm_delivery_attempt}):
 * which events are forwarded (the relay's {@link #enqueueAll}), which ones of each chat are due, and the outcomes
 * {@link CrmDeliveryPolicy} decided. A round claims, in one statement, the due head of up to
 * {@code CRM_BATCH_SIZE} chats and up to {@code CRM_CHAT_BURST} deliveries of each chat in order, with the stored
 * events they carry; it records every outcome and every attempt in one statement. Replicas claim one at a time (advisory lock {@code CRM_LOCK_KEY},
 * held for the claim only): otherwise a replica whose snapshot predates another's claim could lease the later
 * deliveries of a chat whose earlier ones the other is sending.
 */
@Component("crmDeliveries")
public class CrmDeliveries {

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

    private final JdbcTemplate jdbc;
    private final TransactionTemplate claimTransaction;
    private final long lockKey;
    private final boolean enabled;
    private final Set<String> excludedEvents;
    private final long leaseSeconds;
    private final int batchSize;
    private final int chatBurst;

    public CrmDeliveries(
            JdbcTemplate jdbc,
            PlatformTransactionManager transactions,
            @Value("${bundle.crm.lock-key}") long lockKey,
            @Value("${bundle.crm.enabled}") boolean enabled,
            @Value("${bundle.crm.excluded-events}") String excludedEvents,
            @Value("${bundle.crm.timeout-ms}") long timeoutMs,
            @Value("${bundle.crm.batch-size}") int batchSize,
            @Value("${bundle.crm.chat-burst}") int chatBurst) {
        this.jdbc = jdbc;
        this.claimTransaction = new TransactionTemplate(transactions);
        this.lockKey = lockKey;
        this.enabled = enabled;
        this.excludedEvents = Arrays.stream(excludedEvents.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        this.batchSize = batchSize;
        this.chatBurst = Math.max(1, chatBurst);
        // long enough for a round (no new attempt starts after one timeout, the last one may take another two);
        // an attempt cut off by a crash is retried when its lease runs out
        this.leaseSeconds = Math.max(5, 4 * timeoutMs / 1000);
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
     * The due deliveries of the next round, per chat in order, leased to this replica for one attempt each (see
     * {@link CrmDeliveryPolicy#sortOut} for those out of attempts).
     */
    public List<CrmDelivery> claimDue() {
        return claimAlone(CLAIM_DUE, batchSize, chatBurst, leaseSeconds);
    }

    /**
     * A probe while the CRM seems down: the oldest delivery waiting out the outage, tried ahead of its schedule. If
     * the CRM takes it, every delivery waiting out the outage is brought forward ({@link CrmOutcomes}); if not, it
     * is given back ({@link CrmDeliveryPolicy#probeFailed}) with its schedule and its attempts as they were.
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

    private static CrmDelivery toDelivery(ResultSet row, int index) throws SQLException {
        Timestamp receivedAt = row.getTimestamp("received_at");
        return new CrmDelivery(row.getString("event_id"), row.getLong("seq"), row.getString("ordering_key"),
                row.getString("instance"), row.getString("event_type"), row.getInt("attempts"),
                receivedAt == null ? null : receivedAt.toInstant(), row.getString("payload"));
    }

    /** Records a round's outcomes and attempts in one statement. */
    public void record(List<Decision> decisions) {
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
    }

    /**
     * Makes the deliveries waiting out an outage (their last attempt got no answer or a 5xx) due now.
     *
     * @return how many
     */
    public int bringForwardOutageRetries() {
        return jdbc.update("""
                update crm_delivery
                   set next_attempt_at = now(), updated_at = now()
                 where state = 'pending' and attempts > 0 and next_attempt_at > now()
                   and (last_status is null or last_status >= 500)
                """);
    }
}
