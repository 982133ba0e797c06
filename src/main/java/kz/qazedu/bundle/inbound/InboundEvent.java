package kz.qazedu.bundle.inbound;

import java.time.Instant;

/**
 * One accepted Evolution webhook: its raw JSON and the correlation fields stamped on it.
 *
 * @param eventId   stable identity (the same for an exact retry or a WhatsApp re-delivery)
 * @param eventType Evolution's dotted event name, e.g. {@code messages.upsert}
 * @param instance  the Evolution instance name
 * @param chatId    the chat's JID (phone JID preferred over LID), or null for events without a chat
 * @param messageId WhatsApp's message id, or null
 * @param payload   the webhook body as received
 */
public record InboundEvent(
        String eventId,
        String eventType,
        String instance,
        String chatId,
        String messageId,
        String payload,
        Instant receivedAt) {
}
