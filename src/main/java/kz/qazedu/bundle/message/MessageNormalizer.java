package kz.qazedu.bundle.message;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.whatsapp.Jids;
import kz.qazedu.bundle.whatsapp.MessageStatus;
import org.springframework.stereotype.Component;

/**
 * Reads Evolution's message events ({@code messages.upsert}, {@code send.message}, {@code messages.update}) into
 * the bundle's own shapes. Accepts what different Evolution versions write: text in {@code conversation} or
 * {@code extendedTextMessage.text}, phone and LID in either {@code remoteJid} or {@code remoteJidAlt}, timestamps
 * as numbers, strings or {@code {low, high}} longs. Opaque media fields (keys, hashes, thumbnails) are left out.
 */
@Component("messageNormalizer")
public class MessageNormalizer {

    /** Media fields worth keeping; everything else in a media object is opaque or bulky. */
    private static final List<String> MEDIA_FIELDS = List.of(
            "mimetype", "fileName", "title", "fileLength", "seconds", "ptt", "width", "height", "pageCount",
            "degreesLatitude", "degreesLongitude", "name", "address", "displayName");

    /** 9999-12-31T23:59:59Z */
    private static final long LATEST_TIMESTAMP = 253_402_300_799L;

    private final ObjectMapper json;

    public MessageNormalizer(ObjectMapper json) {
        this.json = json;
    }

    public NormalizedMessage normalizeMessage(String payload, String eventId) {
        return normalizeMessage(read(payload), eventId);
    }

    /** The same, from the event already parsed. */
    public NormalizedMessage normalizeMessage(JsonNode root, String eventId) {
        JsonNode data = root.path("data");
        JsonNode key = data.path("key");
        String remoteJid = text(key, "remoteJid");
        String remoteJidAlt = text(key, "remoteJidAlt");
        boolean fromMe = key.path("fromMe").asBoolean(false);
        boolean group = Jids.isGroup(remoteJid);
        String chatJid = group ? remoteJid : Jids.preferPhone(remoteJid, remoteJidAlt);

        String authorJid;
        if (group) {
            authorJid = Jids.preferPhone(text(key, "participant"), text(key, "participantAlt"));
        } else if (fromMe) {
            authorJid = text(root, "sender");
        } else {
            authorJid = chatJid;
        }

        JsonNode message = data.path("message");
        Map.Entry<String, JsonNode> content = contentOf(message);
        String messageType = text(data, "messageType");
        if (messageType == null && content != null) {
            messageType = content.getKey();
        }

        return new NormalizedMessage(
                text(root, "instance"),
                text(key, "id"),
                fromMe,
                fromMe ? "outbound" : "inbound",
                chatJid,
                group ? null : Jids.phoneOf(chatJid),
                group ? null : Jids.firstLid(remoteJid, remoteJidAlt),
                group,
                authorJid,
                Jids.phoneOf(authorJid),
                text(data, "pushName"),
                messageType,
                bodyOf(message, content),
                mediaOf(content),
                quotedIdOf(data, content),
                timestampOf(data.path("messageTimestamp")),
                text(data, "status"),
                eventId);
    }

    /** {@code messages.update}: {@code data = {keyId, remoteJid, fromMe, status, ...}}. */
    public StatusUpdate normalizeStatus(String payload, String eventId) {
        return normalizeStatus(read(payload), eventId);
    }

    /** The same, from the event already parsed. */
    public StatusUpdate normalizeStatus(JsonNode root, String eventId) {
        JsonNode data = root.path("data");
        return statusOf(root, data.path("keyId"), text(data, "status"), eventId);
    }

    /**
     * {@code messages.delete}: {@code data = {id, remoteJid, remoteJidAlt?, fromMe, status: "DELETED"}}, the message
     * deleted for everyone; stored as its DELETED status.
     */
    public StatusUpdate normalizeDeletion(String payload, String eventId) {
        return normalizeDeletion(read(payload), eventId);
    }

    /** The same, from the event already parsed. */
    public StatusUpdate normalizeDeletion(JsonNode root, String eventId) {
        return statusOf(root, root.path("data").path("id"), MessageStatus.DELETED.name(), eventId);
    }

    private static StatusUpdate statusOf(JsonNode root, JsonNode messageId, String status, String eventId) {
        JsonNode data = root.path("data");
        JsonNode fromMe = data.path("fromMe");
        return new StatusUpdate(
                text(root, "instance"),
                messageId.isTextual() && !messageId.asText().isBlank() ? messageId.asText() : null,
                Jids.preferPhone(text(data, "remoteJid"), text(data, "remoteJidAlt")),
                fromMe.isBoolean() ? fromMe.asBoolean() : null,
                status,
                eventId);
    }

    private JsonNode read(String payload) {
        try {
            return json.readTree(payload);
        } catch (IOException e) {
            throw new UncheckedIOException("stored event is not JSON", e);
        }
    }

    /** The message's content object: the first field that is not context or metadata. */
    private static Map.Entry<String, JsonNode> contentOf(JsonNode message) {
        for (Iterator<Map.Entry<String, JsonNode>> it = message.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> field = it.next();
            String name = field.getKey();
            if (name.equals("conversation") || (name.endsWith("Message") && field.getValue().isObject()
                    && !name.equals("senderKeyDistributionMessage"))) {
                return field;
            }
        }
        return null;
    }

    private static String bodyOf(JsonNode message, Map.Entry<String, JsonNode> content) {
        String conversation = text(message, "conversation");
        if (conversation != null) {
            return conversation;
        }
        if (content == null) {
            return null;
        }
        JsonNode value = content.getValue();
        for (String field : List.of("text", "caption")) {
            String text = text(value, field);
            if (text != null) {
                return text;
            }
        }
        return null;
    }

    private static Map<String, Object> mediaOf(Map.Entry<String, JsonNode> content) {
        if (content == null || !content.getValue().isObject() || content.getKey().equals("extendedTextMessage")
                || content.getKey().equals("reactionMessage")) {
            return null;
        }
        Map<String, Object> media = new LinkedHashMap<>();
        media.put("kind", content.getKey().replace("Message", ""));
        JsonNode value = content.getValue();
        for (String field : MEDIA_FIELDS) {
            JsonNode node = value.get(field);
            if (node == null || node.isNull() || node.isContainerNode()) {
                continue;
            }
            if (field.equals("fileLength")) {
                media.put(field, longOf(node));
            } else if (node.isNumber()) {
                media.put(field, node.numberValue());
            } else if (node.isBoolean()) {
                media.put(field, node.booleanValue());
            } else {
                media.put(field, node.asText());
            }
        }
        return media;
    }

    private static String quotedIdOf(JsonNode data, Map.Entry<String, JsonNode> content) {
        if (content != null) {
            JsonNode value = content.getValue();
            String reactedTo = text(value.path("key"), "id");
            if (content.getKey().equals("reactionMessage") && reactedTo != null) {
                return reactedTo;
            }
            String quoted = text(value.path("contextInfo"), "stanzaId");
            if (quoted != null) {
                return quoted;
            }
        }
        return text(data.path("contextInfo"), "stanzaId");
    }

    /**
     * Seconds since the epoch, within the years 1970 to 9999 (what PostgreSQL, the JDK and a CRM can all hold);
     * anything else ({@code 1e17}, a negative number) is no timestamp, and the event keeps its time of arrival.
     */
    private static Instant timestampOf(JsonNode node) {
        Long seconds = longOf(node);
        return seconds == null || seconds <= 0 || seconds > LATEST_TIMESTAMP ? null : Instant.ofEpochSecond(seconds);
    }

    /** A long written as a number, a string, or protobuf's {@code {low, high}}. */
    private static Long longOf(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return null;
        }
        if (node.isNumber()) {
            return node.canConvertToLong() ? node.asLong() : null;
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.asText().trim());
            } catch (NumberFormatException e) {
                return null;
            }
        }
        if (node.isObject() && node.path("low").canConvertToLong()) {
            return (node.path("high").asLong(0) << 32) | (node.path("low").asLong() & 0xffffffffL);
        }
        return null;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }
}
