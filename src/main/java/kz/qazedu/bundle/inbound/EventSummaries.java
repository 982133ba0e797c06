package kz.qazedu.bundle.inbound;

import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.event.EventTypes;
import kz.qazedu.bundle.message.MessageNormalizer;
import kz.qazedu.bundle.message.NormalizedMessage;
import kz.qazedu.bundle.whatsapp.MessageStatus;
import org.springframework.stereotype.Component;

/**
 * One line that says what a stored event was about, for people looking at the latest events: a message's text (or
 * its kind and caption: {@code [image] Результаты анализов}), the status of a {@code messages.update}, the state of
 * a {@code connection.update} ({@code open (200)}), the status of a message the bundle sent. Cut to
 * {@code EVENTS_SUMMARY_LENGTH} characters on one line. Events of other types have no summary: their type says
 * what there is to say, and their {@code data} (history syncs, contact lists) may be large.
 */
@Component
public class EventSummaries {

    /** The types that have a summary; the journal's query reads the {@code data} of these events only. */
    public static final Set<String> SUMMARISED_TYPES = Set.of(
            EventTypes.MESSAGES_UPSERT, EventTypes.SEND_MESSAGE, EventTypes.MESSAGES_UPDATE,
            EventTypes.MESSAGES_DELETE, EventTypes.MESSAGES_EDITED, EventTypes.CONNECTION_UPDATE,
            EventTypes.QRCODE_UPDATED, EventTypes.OUTBOUND_STATUS, EventTypes.OUTBOUND_INSTANCE,
            EventTypes.BUNDLE_INSTANCE_SILENCE);

    /** Message types that are text: shown without a kind. */
    private static final Set<String> TEXT_TYPES = Set.of("conversation", "extendedTextMessage");
    private static final String ELLIPSIS = "…";

    private final MessageNormalizer normalizer;
    private final ObjectMapper json;
    private final int length;

    public EventSummaries(MessageNormalizer normalizer, ObjectMapper json, LatestEventsSettings settings) {
        this.normalizer = normalizer;
        this.json = json;
        this.length = settings.summaryLength();
    }

    /**
     * @param data the event's {@code data} object (without media bytes), or null
     * @return the summary, or null when the event has none
     */
    public String summarise(String eventType, JsonNode data) {
        if (data == null || !data.isObject() || !SUMMARISED_TYPES.contains(eventType)) {
            return null;
        }
        String summary = switch (eventType) {
            case EventTypes.MESSAGES_UPSERT, EventTypes.SEND_MESSAGE -> message(data);
            case EventTypes.MESSAGES_UPDATE -> status(normalizer.normalizeStatus(envelope(data), null).status());
            case EventTypes.MESSAGES_DELETE -> MessageStatus.DELETED.name();
            case EventTypes.MESSAGES_EDITED -> edited(data.path("editedMessage"));
            case EventTypes.CONNECTION_UPDATE -> join(text(data, "state"),
                    data.path("statusReason").canConvertToInt() ? "(" + data.path("statusReason").asInt() + ")" : null);
            case EventTypes.QRCODE_UPDATED -> text(data.path("qrcode"), "message");
            case EventTypes.OUTBOUND_STATUS, EventTypes.OUTBOUND_INSTANCE -> because(text(data, "status") != null
                    ? text(data, "status") : text(data, "state"), text(data, "reason"));
            case EventTypes.BUNDLE_INSTANCE_SILENCE -> because(text(data, "state"), text(data, "action"));
            default -> null;
        };
        return cut(summary);
    }

    /** A message's text, or its kind in brackets with its caption, name or file name. */
    private String message(JsonNode data) {
        NormalizedMessage message = normalizer.normalizeMessage(envelope(data), null);
        Map<String, Object> media = message.media();
        String kind = media != null ? String.valueOf(media.get("kind")) : kindOf(message.messageType());
        String detail = message.body();
        if (detail == null && media != null) {
            for (String field : List.of("name", "title", "fileName", "address")) {
                if (media.get(field) instanceof String value && !value.isBlank()) {
                    detail = value;
                    break;
                }
            }
        }
        return kind == null ? detail : join("[" + kind + "]", detail);
    }

    private static String edited(JsonNode edited) {
        String text = text(edited, "conversation");
        if (text == null) {
            text = text(edited.path("extendedTextMessage"), "text");
        }
        return join("[edited]", text);
    }

    /** {@code imageMessage} is {@code image}; text types have no kind. */
    private static String kindOf(String messageType) {
        if (messageType == null || TEXT_TYPES.contains(messageType)) {
            return null;
        }
        return messageType.endsWith("Message") ? messageType.substring(0, messageType.length() - "Message".length())
                : messageType;
    }

    private static String status(String status) {
        MessageStatus known = MessageStatus.of(status);
        return known == MessageStatus.UNKNOWN ? status : known.name();
    }

    private ObjectNode envelope(JsonNode data) {
        ObjectNode root = json.createObjectNode();
        root.set("data", data);
        return root;
    }

    /** The text on one line, at most {@code length} characters (code points), the last an ellipsis when cut. */
    String cut(String text) {
        if (text == null) {
            return null;
        }
        String line = text.replaceAll("\\s+", " ").strip();
        if (line.isEmpty()) {
            return null;
        }
        if (line.codePointCount(0, line.length()) <= length) {
            return line;
        }
        return line.substring(0, line.offsetByCodePoints(0, length - 1)).stripTrailing() + ELLIPSIS;
    }

    private static String because(String what, String why) {
        return what == null ? why : why == null ? what : what + ": " + why;
    }

    private static String join(String first, String second) {
        return first == null ? second : second == null ? first : first + " " + second;
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isValueNode() && !value.isNull() && !value.asText().isBlank() ? value.asText() : null;
    }
}
