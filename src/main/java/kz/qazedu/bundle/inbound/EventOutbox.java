package kz.qazedu.bundle.inbound;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import java.util.Set;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The outbox: journal events not yet on the broker ({@code event_outbox}), oldest first. The relay route calls
 * {@link #claimBatch} and {@link #markPublished} inside one PostgreSQL transaction whose advisory lock makes it the
 * only relay among all bundle replicas, so events leave in the order they were accepted. An event whose broker
 * commit succeeded but whose mark did not is published again; consumers are idempotent by event id.
 */
@Component("eventOutbox")
public class EventOutbox {

    /** Families with a destination of their own; every other event type goes to {@code other}. */
    public static final Set<String> FAMILIES = Set.of(
            "messages.upsert", "messages.update", "send.message", "connection.update", "qrcode.updated");

    /**
     * The oldest events in the outbox, up to a count and a byte budget (base64 media webhooks weigh megabytes
     * each); the first one always, however large.
     */
    private static final String UNPUBLISHED = """
            with candidates as (
                select o.seq, sum(pg_column_size(e.payload)) over (order by o.seq) as running_bytes
                  from event_outbox o
                  join inbound_event e on e.seq = o.seq
                 where o.seq > ?
                 order by o.seq
                 limit ?)
            select e.seq, e.event_id, e.event_type, e.instance, e.chat_id, e.message_id, e.received_at,
                   e.payload::text as payload
              from candidates c
              join inbound_event e on e.seq = c.seq
             where c.running_bytes <= ? or c.seq = (select min(seq) from candidates)
             order by e.seq
            """;

    /**
     * How often a round starts from the head of the outbox instead of after the last event published. Deleted
     * outbox rows leave dead index entries at the head until vacuum, which every scan from the head would wade
     * through; the full scan catches events that committed late with a lower sequence (another replica's writer).
     */
    private static final long FULL_SCAN_INTERVAL_NANOS = 5_000_000_000L;

    private final JdbcTemplate jdbc;
    private final long lockKey;
    private final int batchSize;
    private final long batchBytes;
    private volatile long cursor;
    private volatile long lastFullScan;

    public EventOutbox(
            JdbcTemplate jdbc,
            @Value("${bundle.relay.lock-key}") long lockKey,
            @Value("${bundle.relay.batch-size}") int batchSize,
            @Value("${bundle.relay.batch-bytes}") long batchBytes) {
        this.jdbc = jdbc;
        this.lockKey = lockKey;
        this.batchSize = batchSize;
        this.batchBytes = batchBytes;
    }

    /** The oldest unpublished events, or none when another replica is relaying. Must run in a transaction. */
    public List<OutboxEvent> claimBatch() {
        Boolean leader = jdbc.queryForObject("select pg_try_advisory_xact_lock(?)", Boolean.class, lockKey);
        if (!Boolean.TRUE.equals(leader)) {
            cursor = 0;
            return List.of();
        }
        long now = System.nanoTime();
        long after = cursor;
        if (now - lastFullScan > FULL_SCAN_INTERVAL_NANOS) {
            after = 0;
            lastFullScan = now;
        }
        // a round reads at most a few thousand rows by primary key; parallel workers would cost more than they save
        jdbc.execute("set local max_parallel_workers_per_gather = 0");
        return jdbc.query(UNPUBLISHED, EventOutbox::toOutboxEvent, after, batchSize, batchBytes);
    }

    public void markPublished(List<OutboxEvent> events) {
        Long[] seqs = events.stream().map(OutboxEvent::seq).toArray(Long[]::new);
        jdbc.update(connection -> {
            var update = connection.prepareStatement("delete from event_outbox where seq = any(?)");
            update.setArray(1, connection.createArrayOf("bigint", seqs));
            return update;
        });
        cursor = Math.max(cursor, seqs[seqs.length - 1]);
    }

    public static String familyOf(String eventType) {
        if (eventType.startsWith("outbound.")) {
            // the bundle's own events about the messages it sends
            return "outbound";
        }
        return FAMILIES.contains(eventType) ? eventType : "other";
    }

    private static OutboxEvent toOutboxEvent(ResultSet row, int index) throws SQLException {
        String eventType = row.getString("event_type");
        String instance = row.getString("instance");
        String chatId = row.getString("chat_id");
        return new OutboxEvent(
                row.getLong("seq"),
                row.getString("event_id"),
                eventType,
                familyOf(eventType),
                instance,
                chatId,
                row.getString("message_id"),
                chatId == null ? instance : instance + "|" + chatId,
                row.getTimestamp("received_at").toInstant().toString(),
                row.getString("payload"));
    }
}
