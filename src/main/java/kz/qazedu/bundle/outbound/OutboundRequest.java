package kz.qazedu.bundle.outbound;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * A valid send request ({@link OutboundRequestReader}). {@code text} is the message's text, or the media's caption;
 * {@code kind} is {@code text} or the media's type.
 */
public record OutboundRequest(String instance, Recipient recipient, String kind, String text, Media media,
                              String replyTo, String crmMessageId) {

    /** A media attachment by URL. */
    public record Media(String type, String url, String caption, String fileName, String mimetype) {
    }

    /** The media as {@code outbound_message.media} keeps it: URL, file name and mimetype (the caption is the text). */
    String mediaJson(ObjectMapper json) {
        if (media == null) {
            return null;
        }
        ObjectNode node = json.createObjectNode();
        node.put("url", media.url());
        if (media.fileName() != null) {
            node.put("fileName", media.fileName());
        }
        if (media.mimetype() != null) {
            node.put("mimetype", media.mimetype());
        }
        return node.toString();
    }

    /** What makes two requests the same request, for Idempotency-Key. */
    String hash(ObjectMapper json) {
        String canonical = String.join("\u0000", instance, recipient.jid(), kind, String.valueOf(text),
                String.valueOf(mediaJson(json)), String.valueOf(replyTo), String.valueOf(crmMessageId));
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(canonical.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
