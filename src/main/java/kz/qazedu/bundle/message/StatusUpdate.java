package kz.qazedu.bundle.message;

/** One {@code messages.update}: a message's new status, correlated by WhatsApp message id. */
public record StatusUpdate(
        String instance,
        String waMessageId,
        String chatJid,
        Boolean fromMe,
        String status,
        String sourceEventId) {
}
