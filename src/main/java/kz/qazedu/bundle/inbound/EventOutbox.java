package kz.qazedu.bundle.inbound;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.event.EventFamily;
import kz.qazedu.bundle.runtime.SqlArrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.PlatformTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The outbox: journal events not yet on the broker ({@code event_outbox}). The relay route calls {@link #claimBatch}
 * and {@link #markPublished} inside one PostgreSQL transaction whose advisory lock makes it the only relay among all
 * bundle replicas, and {@link #roundFailed} when a round fails.
 *
 * <p><b>Order.</b> A round takes only events whose transaction has ended, oldest transaction first
 * ({@code xid < pg_snapshot_xmin}, by {@code (xid, seq)}): no transaction still running can add an event that sorts
 * before them, so the relay never passes an event that may still commit, whichever replica's journal writer (or
 * the bundle's own events, written inside other transactions) wrote it. An event acknowledged before another one
 * was posted belongs to an older transaction, so a chat's events leave in the order they were accepted.
 *
 * <p><b>One bad event stops only itself.</b> {@link RelayRounds} narrows a failing round down to the event that
 * fails and tells it from an outage; an event it gives up on is set aside here: taken out of the outbox, recorded
 * as a dead CRM delivery with its reason (listed and replayable through the deliveries API), counted
 * ({@code bundle_events_dead_total{stage="relay"}}) and logged. {@code bundle_relay_rounds_total},
 * {@code bundle_relay_published_total} and {@code bundle_relay_failures_total} show the relay at work. Failed rounds back off up to
 * {@code RELAY_MAX_BACKOFF}. An event whose broker commit succeeded but whose mark did not is published again;
 * consumers are idempotent by event id.
 */
@Component("eventOutbox")
public class EventOutbox {

    private static final Logger LOG = LoggerFactory.getLogger(EventOutbox.class);

    /** Ordering keys longer than this (which no valid event has) are not written to an index. */
    private static final int MAX_ORDERING_KEY = 512;
    private static final long HELD_BACK_WARNING_NANOS = 10_000_000_000L;

    /**
     * The oldest events in the outbox of ended transactions, after the cursor and outside the excluded chat, up to
     * a count and a byte budget (base64 media webhooks weigh megabytes each); the first one always, however large.
     * The count is taken by the commit-order index first, so a round costs the same however long the outbox is.
     */
    private static final String UNPUBLISHED = """
            with horizon as (select pg_snapshot_xmin(pg_current_snapshot()) as xmin),
            oldest as (
                select o.xid, o.seq
                  from event_outbox o
                 cross join horizon h
                 where o.xid < h.xmin
                   and (o.xid, o.seq) > (?::xid8, ?)
                   and (?::text is null
                        or not exists (select 1 from inbound_event x
                                        where x.seq = o.seq and x.instance = ?::text
                                          and x.chat_id is not distinct from ?::text))
                 order by o.xid, o.seq
                 limit ?),
            candidates as (
                select c.xid, c.seq, e.event_id, e.event_type, e.instance, e.chat_id, e.message_id, e.received_at,
                       e.payload,
                       sum(pg_column_size(e.payload)) over (order by c.xid, c.seq) as running_bytes,
                       row_number() over (order by c.xid, c.seq) as n
                  from oldest c
                  join inbound_event e on e.seq = c.seq)
            select xid::text as xid, seq, event_id, event_type, instance, chat_id, message_id, received_at,
                   payload::text as payload
              from candidates
             where running_bytes <= ? or n = 1
             order by xid, seq
            """;

    private static final String ONE = """
            select o.xid::text as xid, e.seq, e.event_id, e.event_type, e.instance, e.chat_id, e.message_id,
                   e.received_at, e.payload::text as payload
              from event_outbox o
              join inbound_event e on e.seq = o.seq
             where o.seq = ?
            """;

    private final JdbcTemplate jdbc;
    private final TransactionTemplate separateTransaction;
    private final long lockKey;
    private final long batchBytes;
    private final RelayRounds rounds;
    private final Counter setAside;
    private final Counter roundsCounted;
    private final Counter published;
    private final Counter failedRounds;
    private List<OutboxEvent> inFlight;
    private long heldBackSince;
    private long lastHeldBackWarning;

    public EventOutbox(
            JdbcTemplate jdbc,
            PlatformTransactionManager transactions,
            MeterRegistry meters,
            RelaySettings settings) {
        this.jdbc = jdbc;
        this.separateTransaction = new TransactionTemplate(transactions);
        this.separateTransaction.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
        this.lockKey = settings.lockKey();
        this.batchBytes = settings.batchBytes();
        this.rounds = new RelayRounds(settings.batchSize(), settings.maxAttempts(), settings.maxBackoff());
        this.setAside = meters.counter("bundle.events.dead", "stage", "relay");
        this.roundsCounted = meters.counter("bundle.relay.rounds");
        this.published = meters.counter("bundle.relay.published");
        this.failedRounds = meters.counter("bundle.relay.failures");
    }

    /** The next round's events, or none when another replica is relaying or failures back off. Must run in a transaction. */
    public synchronized List<OutboxEvent> claimBatch() {
        Boolean leader = jdbc.queryForObject("select pg_try_advisory_xact_lock(?)", Boolean.class, lockKey);
        if (!Boolean.TRUE.equals(leader)) {
            rounds.resetCursor();
            return List.of();
        }
        if (inFlight != null) {
            // the previous round ended without a mark or a failure report
            roundFailed(null);
        }
        RelayRounds.SetAside aside = rounds.takeSetAside();
        if (aside != null) {
            setAside(aside);
        }
        roundsCounted.increment();
        // a round reads at most a few thousand rows by index; parallel workers would cost more than they save
        jdbc.execute("set local max_parallel_workers_per_gather = 0");
        RelayRounds.Plan plan = rounds.next(System.nanoTime());
        List<OutboxEvent> round = take(plan);
        if (round.isEmpty() && plan instanceof RelayRounds.Oldest oldest && oldest.withoutChatOf() != null) {
            // no other chat to tell the event from an outage by: the event alone again
            round = take(rounds.nothingElse());
        }
        inFlight = round.isEmpty() ? null : round;
        if (round.isEmpty() && rounds.phase() == RelayRounds.Phase.NORMAL && !(plan instanceof RelayRounds.Wait)) {
            watchHorizon();
        } else {
            heldBackSince = 0;
        }
        return round;
    }

    public synchronized void markPublished(List<OutboxEvent> events) {
        Long[] seqs = events.stream().map(OutboxEvent::seq).toArray(Long[]::new);
        jdbc.update(connection -> {
            var delete = connection.prepareStatement("delete from event_outbox where seq = any(?)");
            SqlArrays.bigint(delete, 1, seqs);
            return delete;
        });
        published.increment(events.size());
        inFlight = null;
        OutboxEvent suspect = rounds.suspect();
        if (suspect != null && events.stream().anyMatch(e -> e.seq() == suspect.seq())) {
            LOG.info("Event {} went through after {} failed attempt(s)", suspect.eventId(), rounds.suspectFailures());
        }
        rounds.published(events);
    }

    /**
     * The round failed (its transaction is rolled back): narrow down to the event that fails, and set it aside
     * once it is shown to be the event rather than the broker or the database.
     */
    public synchronized void roundFailed(Exception cause) {
        List<OutboxEvent> round = inFlight;
        inFlight = null;
        if (round == null) {
            return;
        }
        failedRounds.increment();
        OutboxEvent suspect = rounds.suspect();
        String reason = cause == null ? "the round did not complete" : describe(cause);
        if (rounds.failed(round, reason, System.nanoTime())) {
            LOG.warn("Relay rounds fail without event {} as well: not setting it aside ({})", suspect.eventId(), reason);
        }
    }

    private List<OutboxEvent> take(RelayRounds.Plan plan) {
        if (plan instanceof RelayRounds.Oldest oldest) {
            return unpublished(oldest.afterXid(), oldest.afterSeq(), oldest.withoutChatOf(), oldest.count());
        }
        if (plan instanceof RelayRounds.Alone alone) {
            List<OutboxEvent> found = jdbc.query(ONE, EventOutbox::toOutboxEvent, alone.event().seq());
            return found.isEmpty() ? take(rounds.suspectGone()) : found;
        }
        return List.of();
    }

    /**
     * Events wait while an older transaction is still running anywhere in the database cluster (the horizon is
     * cluster-wide). A transaction left open for long holds every event back: say which one.
     */
    private void watchHorizon() {
        Boolean waiting = jdbc.queryForObject("""
                select exists (select 1 from event_outbox where xid >= pg_snapshot_xmin(pg_current_snapshot()))
                """, Boolean.class);
        long now = System.nanoTime();
        if (!Boolean.TRUE.equals(waiting)) {
            heldBackSince = 0;
            return;
        }
        if (heldBackSince == 0) {
            heldBackSince = now;
        } else if (now - heldBackSince > HELD_BACK_WARNING_NANOS && now - lastHeldBackWarning > HELD_BACK_WARNING_NANOS) {
            lastHeldBackWarning = now;
            List<String> oldest = jdbc.queryForList("""
                    select format('pid %s (%s, %s, database %s, transaction open %s s): %s', pid, usename,
                                  state, datname, extract(epoch from now() - xact_start)::int, left(query, 200))
                      from pg_stat_activity
                     where backend_xid is not null
                     order by age(backend_xid) desc
                     limit 1
                    """, String.class);
            LOG.warn("Events have waited {} s for an older transaction to end; the oldest open one is {}",
                    (now - heldBackSince) / 1_000_000_000L, oldest.isEmpty() ? "gone" : oldest.get(0));
        }
    }

    private List<OutboxEvent> unpublished(String afterXid, long afterSeq, OutboxEvent excludedChat, int count) {
        String instance = excludedChat == null ? null : excludedChat.instance();
        String chat = excludedChat == null ? null : excludedChat.chatId();
        return jdbc.query(UNPUBLISHED, EventOutbox::toOutboxEvent, afterXid, afterSeq, instance, instance, chat,
                count, batchBytes);
    }

    /** Out of the outbox, into the dead CRM deliveries, in a transaction of its own: it must stick. */
    private void setAside(RelayRounds.SetAside aside) {
        OutboxEvent event = aside.event();
        String orderingKey = event.orderingKey().length() <= MAX_ORDERING_KEY
                ? event.orderingKey() : "unordered|" + event.eventId();
        String error = abbreviate("not published to the broker after " + aside.attempts() + " attempts: " + aside.reason());
        separateTransaction.executeWithoutResult(status -> {
            jdbc.update("delete from event_outbox where seq = ?", event.seq());
            jdbc.update("""
                    insert into crm_delivery (event_id, seq, ordering_key, instance, event_type, state, last_error, dead_at)
                    values (?, ?, ?, ?, ?, 'dead', ?, now())
                    on conflict (event_id) do update
                       set state = 'dead', last_error = excluded.last_error, dead_at = now(),
                           updated_at = now()
                    """, event.eventId(), event.seq(), orderingKey, event.instance(), event.eventType(), error);
        });
        setAside.increment();
        LOG.error("Event {} ({} of instance {}) set aside: {}; the events after it go on", event.eventId(),
                event.eventType(), event.instance(), error);
    }

    private static String describe(Exception cause) {
        Throwable root = cause;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        return root == cause ? cause.toString() : cause + " (" + root + ")";
    }

    private static String abbreviate(String text) {
        return text.length() <= 1000 ? text : text.substring(0, 1000) + "…";
    }

    private static OutboxEvent toOutboxEvent(ResultSet row, int index) throws SQLException {
        String eventType = row.getString("event_type");
        String instance = row.getString("instance");
        String chatId = row.getString("chat_id");
        return new OutboxEvent(
                row.getString("xid"),
                row.getLong("seq"),
                row.getString("event_id"),
                eventType,
                EventFamily.of(eventType),
                instance,
                chatId,
                row.getString("message_id"),
                chatId == null ? instance : instance + "|" + chatId,
                row.getTimestamp("received_at").toInstant(),
                row.getString("payload"));
    }
}
