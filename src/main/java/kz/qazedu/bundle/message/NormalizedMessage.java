package kz.qazedu.bundle.message;

import java.time.Instant;
import java.util.Map;

/**
 * A WhatsApp message as the bundle stores it, whatever Evolution version wrote it.
 *
 * @param chatJid   the chat: a phone JID where one is known, else the group or LID JID
 * @param chatPhone the chat's phone number (digits), or null for groups and LID-only chats
 * @param chatLid   the chat's LID when Evolution gave one
 * @param media     media metadata (kind, mimetype, fileName, fileLength, seconds, ...), or null
 * @param status    the status carried by the message event itself, as Evolution spelled it
 */
public record NormalizedMessage(
        String instance,
        String waMessageId,
        boolean fromMe,
        String direction,
        String chatJid,
        String chatPhone,
        String chatLid,
        boolean group,
        String authorJid,
        String authorPhone,
        String authorName,
        String messageType,
        String body,
        Map<String, Object> media,
        String quotedMessageId,
        Instant waTimestamp,
        String status,
        String sourceEventId) {
}
