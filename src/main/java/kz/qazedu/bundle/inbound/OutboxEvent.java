package kz.qazedu.bundle.inbound;

/**
 * A stored event on its way to the broker, with what the relay stamps on the broker message.
 *
 * @param xid    the transaction that wrote the event (events leave in transaction order)
 * @param family the destination family: {@code messages.upsert}, {@code messages.update}, {@code send.message},
 *               {@code connection.update}, {@code qrcode.updated} or {@code other}
 */
public record OutboxEvent(
        String xid,
        long seq,
        String eventId,
        String eventType,
        String family,
        String instance,
        String chatId,
        String messageId,
        String orderingKey,
        String receivedAt,
        String payload) {
}
