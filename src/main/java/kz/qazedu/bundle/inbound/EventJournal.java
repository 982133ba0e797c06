package kz.qazedu.bundle.inbound;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import javax.sql.DataSource;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.edge.RequestRejectedException;
import kz.qazedu.bundle.runtime.SqlArrays;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.context.SmartLifecycle;
import org.springframework.stereotype.Component;

/**
 * The intake's durable point. Requests hand their event to a single writer that stores waiting events in one
 * multi-row insert per transaction ({@code ON CONFLICT (event_id) DO NOTHING}), queueing each new one in the
 * outbox in the same statement; each request is answered only after the commit that holds its event. Batching is what lets one PostgreSQL take thousands of webhooks a second
 * with every acknowledgement durable; one writer keeps the journal's sequence in the order events were accepted.
 */
@Component("eventJournal")
public class EventJournal implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(EventJournal.class);

    static final String INSERT = """
            with inserted as (
                insert into inbound_event (event_id, event_type, instance, chat_id, message_id, payload, received_at)
                select e.event_id, e.event_type, e.instance, e.chat_id, e.message_id, e.payload::jsonb,
                       e.received_at::timestamptz
                  from unnest(?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::text[])
                       with ordinality as e(event_id, event_type, instance, chat_id, message_id, payload, received_at, n)
                 order by e.n
                on conflict (event_id) do nothing
                returning seq, event_id),
            queued as (
                insert into event_outbox (seq) select seq from inserted)
            select event_id from inserted
            """;

    private final DataSource dataSource;
    private final int batchSize;
    private final long commitTimeoutMs;
    private final BlockingQueue<Pending> waiting;
    private final Counter storedEvents;
    private final Counter duplicateEvents;
    private final DistributionSummary batchSizes;
    private volatile boolean running;
    private Thread writer;

    public EventJournal(
            DataSource dataSource,
            MeterRegistry meters,
            JournalSettings settings) {
        this.dataSource = dataSource;
        this.batchSize = settings.batchSize();
        this.commitTimeoutMs = settings.commitTimeoutMs().toMillis();
        this.waiting = new ArrayBlockingQueue<>(settings.queueCapacity());
        this.storedEvents = meters.counter("bundle.journal.events", "result", "stored");
        this.duplicateEvents = meters.counter("bundle.journal.events", "result", "duplicate");
        this.batchSizes = DistributionSummary.builder("bundle.journal.batch.size").register(meters);
        meters.gauge("bundle.journal.waiting", waiting, BlockingQueue::size);
    }

    /**
     * Stores the event durably and returns once its transaction has committed.
     *
     * @return whether this was new, or a duplicate of an event already stored
     * @throws JournalUnavailableException when it could not be stored in time (the caller answers 503)
     */
    public JournalReceipt append(InboundEvent event) {
        Pending pending = new Pending(event, new CompletableFuture<>());
        if (!running || !waiting.offer(pending)) {
            throw new JournalUnavailableException(running ? "intake is saturated" : "intake is stopping", null);
        }
        try {
            return pending.result.get(commitTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            throw new JournalUnavailableException("event was not stored within " + commitTimeoutMs + " ms", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RequestRejectedException rejected) {
                throw rejected;
            }
            throw new JournalUnavailableException("event could not be stored: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new JournalUnavailableException("interrupted while storing the event", e);
        }
    }

    private void writeLoop() {
        List<Pending> batch = new ArrayList<>(batchSize);
        while (running || !waiting.isEmpty()) {
            try {
                Pending first = waiting.poll(100, TimeUnit.MILLISECONDS);
                if (first == null) {
                    continue;
                }
                batch.add(first);
                waiting.drainTo(batch, batchSize - 1);
                write(batch);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                LOG.error("Journal writer failed a batch of {} events", batch.size(), e);
                batch.forEach(p -> p.result.completeExceptionally(e));
            } finally {
                batch.clear();
            }
        }
    }

    private void write(List<Pending> batch) {
        try {
            Set<String> inserted = insert(batch);
            complete(batch, inserted);
        } catch (SQLException e) {
            if (isDataError(e) && batch.size() > 1) {
                // one event PostgreSQL cannot store (e.g. \u0000 in jsonb) must not fail the others
                for (Pending pending : batch) {
                    write(List.of(pending));
                }
                return;
            }
            if (isDataError(e)) {
                String correlationId = UUID.randomUUID().toString();
                LOG.warn("Event {} of instance {} cannot be stored [correlation id {}]: {}", batch.get(0).event.eventId(),
                        batch.get(0).event.instance(), correlationId, e.getMessage());
                batch.forEach(p -> p.result.completeExceptionally(RequestRejectedException.badRequest(
                        "unstorable_payload", "PostgreSQL cannot store this event (correlation id " + correlationId + ")")));
                return;
            }
            LOG.warn("Journal could not store {} events: {}", batch.size(), e.getMessage());
            batch.forEach(p -> p.result.completeExceptionally(e));
        }
    }

    private Set<String> insert(List<Pending> batch) throws SQLException {
        int size = batch.size();
        String[] ids = new String[size];
        String[] types = new String[size];
        String[] instances = new String[size];
        String[] chats = new String[size];
        String[] messages = new String[size];
        String[] payloads = new String[size];
        String[] received = new String[size];
        for (int i = 0; i < size; i++) {
            InboundEvent event = batch.get(i).event;
            ids[i] = event.eventId();
            types[i] = event.eventType();
            instances[i] = event.instance();
            chats[i] = event.chatId();
            messages[i] = event.messageId();
            payloads[i] = event.payload();
            received[i] = event.receivedAt().toString();
        }
        try (Connection connection = dataSource.getConnection()) {
            connection.setAutoCommit(false);
            try (PreparedStatement insert = connection.prepareStatement(INSERT)) {
                SqlArrays.text(insert, 1, ids);
                SqlArrays.text(insert, 2, types);
                SqlArrays.text(insert, 3, instances);
                SqlArrays.text(insert, 4, chats);
                SqlArrays.text(insert, 5, messages);
                SqlArrays.text(insert, 6, payloads);
                SqlArrays.text(insert, 7, received);
                Set<String> inserted = new HashSet<>();
                try (ResultSet rows = insert.executeQuery()) {
                    while (rows.next()) {
                        inserted.add(rows.getString(1));
                    }
                }
                connection.commit();
                return inserted;
            } catch (SQLException e) {
                connection.rollback();
                throw e;
            }
        }
    }

    private void complete(List<Pending> batch, Set<String> inserted) {
        batchSizes.record(batch.size());
        for (Pending pending : batch) {
            boolean isNew = inserted.remove(pending.event.eventId());
            (isNew ? storedEvents : duplicateEvents).increment();
            pending.result.complete(new JournalReceipt(pending.event.eventId(), !isNew));
        }
    }

    /** The event itself cannot be stored: a data exception (22) or a limit of PostgreSQL's exceeded (54). */
    private static boolean isDataError(SQLException e) {
        return e.getSQLState() != null && (e.getSQLState().startsWith("22") || e.getSQLState().startsWith("54"));
    }

    @Override
    public void start() {
        running = true;
        writer = new Thread(this::writeLoop, "event-journal-writer");
        writer.start();
    }

    @Override
    public void stop() {
        running = false;
        if (writer != null) {
            try {
                writer.join(commitTimeoutMs);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @Override
    public boolean isRunning() {
        return running;
    }

    /**
     * Whether the one writer that stores every webhook's event is at work. It ends only with the journal, unless
     * something it does not survive (an {@link Error}, an interrupt) stops it: then no webhook can be stored until
     * the process is restarted.
     */
    public boolean writerAlive() {
        Thread current = writer;
        return current != null && current.isAlive();
    }

    /** Stops after the routes (which stop in a later phase) so that requests in flight are still stored. */
    @Override
    public int getPhase() {
        return 0;
    }

    /** The outcome of {@link #append}. */
    public record JournalReceipt(String eventId, boolean duplicate) {
    }

    private record Pending(InboundEvent event, CompletableFuture<JournalReceipt> result) {
    }
}
