package kz.qazedu.bundle.crm;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.sql.Types;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

import kz.qazedu.bundle.crm.CrmDeliveryPolicy.Decision;
import kz.qazedu.bundle.inbound.OutboxEvent;
import kz.qazedu.bundle.runtime.SqlArrays;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The state of every delivery to the CRM, in PostgreSQL ({@code crm_delivery}, {@code crm_delivery_attempt}):
 * which events are forwarded (the relay's {@link #enqueueAll}), which ones of each chat are due, and the outcomes
 * {@link CrmDeliveryPolicy} decided. A round claims, in one statement, the due head of up to {@code CRM_BATCH_SIZE}
 * chats and up to {@code CRM_CHAT_BURST} deliveries of each chat in order, with the stored events they carry, and
 * writes the round down ({@code crm_round}); it records every outcome, the failed attempts and the round's end in
 * one statement. Rounds run only during the forwarding turn of one replica at a time ({@link CrmForwardingTurn}),
 * so claimed deliveries need no lease.
 */
@Component("crmDeliveries")
public class CrmDeliveries {

    /**
     * Per chat, the oldest pending delivery (a loose index scan over {@code crm_delivery_pending}: one index probe
     * per chat, however many deliveries wait behind); of the chats whose head is due, the oldest ones; of each, the
     * first deliveries in order up to the first that is not due; with their events, and written down as a round.
     *
     * <p>The plan must not depend on statistics: a queue table's are often taken while nothing is pending, and a
     * planner that believes in one pending row may nest what it should compute once. So each step is computed once
     * ({@code materialized}).
     */
    static final String CLAIM_DUE = """
            with recursive heads as (
                (select ordering_key, seq, next_attempt_at
                   from crm_delivery
                  where state = 'pending'
                  order by ordering_key, seq
                  limit 1)
                union all
                select next.*
                  from heads h
                  cross join lateral (
                      select ordering_key, seq, next_attempt_at
                        from crm_delivery
                       where state = 'pending' and ordering_key > h.ordering_key
                       order by ordering_key, seq
                       limit 1) next),
            ready as materialized (
                select ordering_key, seq
                  from heads
                 where next_attempt_at <= now()
                 order by seq
                 limit ?),
            burst as materialized (
                select run.event_id, run.seq, run.ordering_key, run.instance, run.event_type, run.attempts
                  from ready r
                 cross join lateral (
                     select event_id, seq, ordering_key, instance, event_type, attempts,
                            bool_and(due) over (order by seq) as due_so_far
                       from (select event_id, seq, ordering_key, instance, event_type, attempts,
                                    next_attempt_at <= now() as due
                               from crm_delivery d
                              where d.state = 'pending' and d.ordering_key = r.ordering_key and d.seq >= r.seq
                              order by seq
                              limit ?) first) run
                 where run.due_so_far),
            """ + writtenDownAsARound("burst") + """
             order by c.ordering_key, c.seq
            """;

    /**
     * The oldest delivery waiting out an outage (its last attempt got no answer or a 5xx), due or not, written down as
     * a round of one: the probe that tells when the CRM is back. Such a delivery is always the head of its chat.
     */
    private static final String CLAIM_PROBE = """
            with probe as materialized (
                select event_id, seq, ordering_key, instance, event_type, attempts
                  from crm_delivery
                 where state = 'pending' and attempts > 0 and next_attempt_at > now()
                   and (last_status is null or last_status >= 500)
                 order by seq
                 limit 1),
            """ + writtenDownAsARound("probe");

    /**
     * The tail of a claim: the deliveries of the step {@code claimed} written down as one round ({@code crm_round}),
     * and returned with the round's id, their attempt number and their stored events.
     */
    private static String writtenDownAsARound(String claimed) {
        return """
                round as (
                    insert into crm_round (event_ids)
                    select array_agg(event_id) from %1$s having count(*) > 0
                    returning id)
                select (select id from round) as round, c.event_id, c.seq, c.ordering_key, c.instance, c.event_type,
                       c.attempts + 1 as attempts, e.received_at, e.payload::text as payload
                  from %1$s c
                  left join inbound_event e on e.seq = c.seq
                """.formatted(claimed);
    }

    /**
     * The rounds a previous turn left behind (its process stopped, or recording its outcomes failed): each of their
     * deliveries still waiting has used an attempt. Run at every turn, nearly always with no round left: the
     * deliveries are found by primary key from the rounds' ids ({@code = any(array(...))}), never by a join that a
     * planner may drive from a scan of the whole delivery history.
     */
    static final String COUNT_UNFINISHED_ROUNDS = """
            with unfinished as (delete from crm_round returning event_ids)
            update crm_delivery d
               set attempts = d.attempts + 1, updated_at = now()
             where d.event_id = any (array(select distinct unnest(event_ids) from unfinished))
               and d.state not in ('delivered', 'dead')
            """;

    /**
     * Every outcome of a round, the attempts that failed, and the round crossed out: one statement, by primary key
     * whatever the statistics say (the state is tested as "neither delivered nor dead", the same thing by the
     * table's check constraint, which the partial index does not cover and the planner cannot pick). A delivery
     * that goes through keeps its attempt on its own row; only failed attempts are logged as rows.
     */
    static final String RECORD_ROUND = """
            with outcome as materialized (
                select * from unnest(?::text[], ?::text[], ?::integer[], ?::text[], ?::float8[], ?::integer[],
                                     ?::timestamptz[], ?::integer[])
                           as o(event_id, outcome, status, error, delay_seconds, attempt, attempted_at, latency_ms)),
            changed as (
                update crm_delivery d
                   set state = case o.outcome when 'delivered' then 'delivered' when 'dead' then 'dead' else 'pending' end,
                       delivered_at = case when o.outcome = 'delivered' then now() else d.delivered_at end,
                       dead_at = case when o.outcome = 'dead' then now() else d.dead_at end,
                       next_attempt_at = case when o.outcome = 'retry'
                                              then now() + make_interval(secs => o.delay_seconds)
                                              else d.next_attempt_at end,
                       attempts = coalesce(o.attempt, d.attempts),
                       last_status = case when o.outcome = 'released' then d.last_status else o.status end,
                       last_error = case when o.outcome = 'released' then d.last_error else o.error end,
                       last_attempted_at = coalesce(o.attempted_at, d.last_attempted_at),
                       last_latency_ms = case when o.attempted_at is null then d.last_latency_ms else o.latency_ms end,
                       updated_at = now()
                  from outcome o
                 where d.event_id = o.event_id and d.state not in ('delivered', 'dead')
                returning 1),
            finished as (
                delete from crm_round where id = ?)
            insert into crm_delivery_attempt (event_id, attempt, attempted_at, status_code, latency_ms, error)
            select event_id, attempt, attempted_at, status, latency_ms, error
              from outcome
             where attempted_at is not null and outcome <> 'delivered'
            """;

    /** A round's deliveries as claimed, and the round under which they are written down (null when none). */
    public record Round(Long id, List<CrmDelivery> deliveries) {

        static final Round NONE = new Round(null, List.of());
    }

    private final JdbcTemplate jdbc;
    private final boolean enabled;
    private final Set<String> excludedEvents;
    private final int batchSize;
    private final int chatBurst;

    public CrmDeliveries(
            JdbcTemplate jdbc,
            CrmSettings settings) {
        this.jdbc = jdbc;
        this.enabled = settings.enabled();
        this.excludedEvents = settings.excludedEvents().stream().filter(s -> !s.isEmpty())
                .collect(Collectors.toUnmodifiableSet());
        this.batchSize = settings.batchSize();
        this.chatBurst = settings.chatBurst();
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
            SqlArrays.text(insert, 1, forwarded, OutboxEvent::eventId);
            SqlArrays.bigint(insert, 2, forwarded.stream().map(OutboxEvent::seq).toArray(Long[]::new));
            SqlArrays.text(insert, 3, forwarded, OutboxEvent::orderingKey);
            SqlArrays.text(insert, 4, forwarded, OutboxEvent::instance);
            SqlArrays.text(insert, 5, forwarded, OutboxEvent::eventType);
            return insert;
        });
    }

    /**
     * Counts the rounds a previous turn left unfinished as an attempt of each of their deliveries still waiting. Only
     * at the start of a turn ({@link CrmForwardingTurn}): every round left then is one that will never be recorded.
     *
     * @return how many deliveries
     */
    public int countUnfinishedRounds() {
        return jdbc.update(COUNT_UNFINISHED_ROUNDS);
    }

    /**
     * The due deliveries of the next round, per chat in order (see {@link CrmDeliveryPolicy#sortOut} for those out of
     * attempts), written down as a round until {@link #record} crosses it out.
     */
    public Round claimDue() {
        return claim(CLAIM_DUE, batchSize, chatBurst);
    }

    /**
     * A probe while the CRM seems down: the oldest delivery waiting out the outage, tried ahead of its schedule. If
     * the CRM takes it, every delivery waiting out the outage is brought forward ({@link CrmOutcomes}); if not, it
     * is given back ({@link CrmDeliveryPolicy#probeFailed}) with its schedule and its attempts as they were.
     */
    public Round claimProbe() {
        return claim(CLAIM_PROBE);
    }

    private Round claim(String claim, Object... parameters) {
        Long[] round = new Long[1];
        List<CrmDelivery> deliveries = jdbc.query(claim, (row, index) -> {
            round[0] = row.getLong("round");
            return toDelivery(row);
        }, parameters);
        return deliveries.isEmpty() ? Round.NONE : new Round(round[0], deliveries);
    }

    private static CrmDelivery toDelivery(ResultSet row) throws SQLException {
        Timestamp receivedAt = row.getTimestamp("received_at");
        return new CrmDelivery(row.getString("event_id"), row.getLong("seq"), row.getString("ordering_key"),
                row.getString("instance"), row.getString("event_type"), row.getInt("attempts"),
                receivedAt == null ? null : receivedAt.toInstant(), row.getString("payload"));
    }

    /**
     * Records outcomes and failed attempts in one statement, and crosses out their round, if any: after it, a
     * round left unfinished by a stop is counted against its deliveries.
     */
    public void record(List<Decision> decisions, Long round) {
        jdbc.update(connection -> {
            var statement = connection.prepareStatement(RECORD_ROUND);
            SqlArrays.text(statement, 1, decisions, d -> d.attempt().delivery().eventId());
            SqlArrays.text(statement, 2, decisions, d -> d.outcome().name().toLowerCase(Locale.ROOT));
            statement.setArray(3, connection.createArrayOf("integer",
                    decisions.stream().map(d -> d.attempt().status()).toArray()));
            SqlArrays.text(statement, 4, decisions, Decision::reason);
            statement.setArray(5, connection.createArrayOf("float8", decisions.stream()
                    .map(d -> d.delay() == null ? null : d.delay().toMillis() / 1000.0).toArray()));
            statement.setArray(6, connection.createArrayOf("integer", decisions.stream()
                    .map(d -> d.attempt().tried() ? d.attempt().delivery().attempt() : null).toArray()));
            statement.setArray(7, connection.createArrayOf("timestamptz", decisions.stream()
                    .map(d -> d.attempt().tried() ? Timestamp.from(d.attempt().startedAt()) : null).toArray()));
            statement.setArray(8, connection.createArrayOf("integer", decisions.stream()
                    .map(d -> d.attempt().tried() ? (int) d.attempt().latencyMs() : null).toArray()));
            if (round == null) {
                statement.setNull(9, Types.BIGINT);
            } else {
                statement.setLong(9, round);
            }
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
