package kz.qazedu.bundle.outbound;

/**
 * Whom a send goes to. {@code number} is what Evolution's send API takes in its {@code number} field (the digits of
 * a phone, the whole JID of a LID or a group); {@code jid} is the chat as the bundle stores chats, so that the sent
 * message lands in the same conversation as the replies that come back through the webhook.
 */
public record Recipient(String number, String jid, Kind kind) {

    public enum Kind { PHONE, LID, GROUP }
}
