package kz.qazedu.bundle.inbound;

import java.time.Instant;

import kz.qazedu.bundle.event.EventFamily;

/**
 * A stored event on its way to the broker, with what the relay stamps on the broker message.
 *
 * @param xid    the transaction that wrote the event (events leave in transaction order)
 * @param family where the event goes on the broker
 */
public record OutboxEvent(
        String xid,
        long seq,
        String eventId,
        String eventType,
        EventFamily family,
        String instance,
        String chatId,
        String messageId,
        String orderingKey,
        Instant receivedAt,
        String payload) {
}
