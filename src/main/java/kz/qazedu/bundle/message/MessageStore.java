package kz.qazedu.bundle.message;

import java.util.ArrayList;
import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.event.EventTypes;
import kz.qazedu.bundle.inbound.OutboxEvent;
import kz.qazedu.bundle.outbound.OutboundConfirmations;
import kz.qazedu.bundle.outbound.OutboundConfirmations.ReportedStatus;
import kz.qazedu.bundle.outbound.OutboundConfirmations.SentMessage;
import kz.qazedu.bundle.whatsapp.MessageStatus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The message tables' side of a relay round: the round's message events normalized and written in the relay's own
 * PostgreSQL transaction, a few statements per round (see {@link MessageRepository}). So an event is in the tables
 * exactly when it has left the outbox, with no broker hop between the bundle's own tables.
 * <ul>
 *   <li>{@code messages.upsert} (incoming, and typed on the linked phone) and {@code send.message} (sent through
 *       Evolution's API): the {@code message} table;</li>
 *   <li>{@code messages.update}: the message's status history, and its status where it moves forward;</li>
 *   <li>{@code messages.delete}: the message's {@code DELETED} status.</li>
 * </ul>
 * What the round newly stored about messages the bundle may have sent (sent from the instance; statuses not of
 * {@code fromMe = false}) then goes to the outbound side ({@link OutboundConfirmations}), in the same transaction
 * and under the same advisory locks: a message sent from the instance may confirm a send, and a status moves the
 * bundle's message on.
 * An event that cannot be read as a message (no id, no chat, a shape no Evolution writes) is left out of the tables,
 * logged and counted in {@code bundle_events_dead_total{stage="store"}}; it still goes to the CRM and its stream.
 */
@Component("messageStore")
public class MessageStore {

    private static final Logger LOG = LoggerFactory.getLogger(MessageStore.class);

    private final MessageNormalizer normalizer;
    private final MessageRepository repository;
    private final OutboundConfirmations outbound;
    private final Counter notStored;

    public MessageStore(MessageNormalizer normalizer, MessageRepository repository, OutboundConfirmations outbound,
                        MeterRegistry meters) {
        this.normalizer = normalizer;
        this.repository = repository;
        this.outbound = outbound;
        this.notStored = meters.counter("bundle.events.dead", "stage", "store");
    }

    /** In the relay's transaction; in one of its own when called outside it. */
    @Transactional
    public void storeAll(List<OutboxEvent> events) {
        List<NormalizedMessage> messages = new ArrayList<>();
        List<StatusUpdate> statuses = new ArrayList<>();
        for (OutboxEvent event : events) {
            try {
                switch (event.eventType()) {
                    case EventTypes.MESSAGES_UPSERT, EventTypes.SEND_MESSAGE -> {
                        NormalizedMessage message = normalizer.normalizeMessage(event.payload(), event.eventId());
                        if (message.instance() == null || message.waMessageId() == null || message.chatJid() == null) {
                            skip(event, "it has no message id or chat");
                        } else {
                            messages.add(message);
                        }
                    }
                    case EventTypes.MESSAGES_UPDATE, EventTypes.MESSAGES_DELETE -> {
                        StatusUpdate update = event.eventType().equals(EventTypes.MESSAGES_UPDATE)
                                ? normalizer.normalizeStatus(event.payload(), event.eventId())
                                : normalizer.normalizeDeletion(event.payload(), event.eventId());
                        if (update.instance() == null || update.waMessageId() == null || update.status() == null) {
                            skip(event, "it has no message id or status");
                        } else {
                            statuses.add(update);
                        }
                    }
                    default -> {
                        // not a message event
                    }
                }
            } catch (RuntimeException unreadable) {
                skip(event, unreadable.toString());
            }
        }
        outbound.sentFromInstance(repository.saveAll(messages).stream().filter(NormalizedMessage::fromMe)
                .map(m -> new SentMessage(m.instance(), m.waMessageId(), m.chatJid(), m.chatLid(), m.messageType(),
                        m.body()))
                .toList());
        outbound.statusesReported(repository.applyStatuses(statuses).stream()
                .filter(u -> !Boolean.FALSE.equals(u.fromMe()))
                .map(u -> new ReportedStatus(u.instance(), u.waMessageId(), MessageStatus.of(u.status())))
                .toList());
    }

    private void skip(OutboxEvent event, String reason) {
        notStored.increment();
        LOG.warn("Event {} ({} of instance {}) not stored in the message tables: {}", event.eventId(),
                event.eventType(), event.instance(), reason);
    }
}
