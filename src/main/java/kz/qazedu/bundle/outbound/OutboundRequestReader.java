package kz.qazedu.bundle.outbound;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.edge.InvalidFieldsException;
import kz.qazedu.bundle.edge.JsonBodies;
import kz.qazedu.bundle.edge.RequestRejectedException;
import kz.qazedu.bundle.outbound.OutboundRequest.Media;
import org.springframework.stereotype.Component;

/**
 * Reads the body of {@code POST /api/v1/messages} into an {@link OutboundRequest}: {@code instance}, {@code to}
 * (as people type numbers, see {@link Recipients}), {@code text} or {@code media} ({@code type}, {@code url} that
 * {@link MediaUrls} accepts, {@code caption}, {@code fileName}, {@code mimetype}), {@code replyTo} and
 * {@code crmMessageId}. A bad request is refused with 400 naming every bad field at once.
 */
@Component("outboundRequestReader")
public class OutboundRequestReader {

    private static final Set<String> MEDIA_TYPES = Set.of("image", "document", "audio", "video");
    private static final Set<String> FIELDS = Set.of("instance", "to", "text", "media", "replyTo", "crmMessageId");
    private static final Set<String> MEDIA_FIELDS = Set.of("type", "url", "caption", "fileName", "mimetype");
    private static final int MAX_ID_LENGTH = 200;
    private static final int MAX_FILE_NAME = 255;
    private static final int MAX_MIMETYPE = 127;
    private static final Pattern MIMETYPE = Pattern.compile("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+");

    private final JsonBodies bodies;
    private final Recipients recipients;
    private final MediaUrls mediaUrls;
    private final int maxTextLength;

    public OutboundRequestReader(
            JsonBodies bodies,
            Recipients recipients,
            MediaUrls mediaUrls,
            OutboundSettings settings) {
        this.bodies = bodies;
        this.recipients = recipients;
        this.mediaUrls = mediaUrls;
        this.maxTextLength = settings.maxTextLength();
    }

    /**
     * @throws RequestRejectedException 400 naming every problem of the request at once, by field
     */
    public OutboundRequest read(byte[] requestBody) {
        JsonNode root = bodies.parse(requestBody).tree();
        if (!root.isObject()) {
            throw RequestRejectedException.badRequest("invalid_request", "body must be a JSON object");
        }
        Map<String, String> errors = new LinkedHashMap<>();
        root.fieldNames().forEachRemaining(field -> {
            if (!FIELDS.contains(field)) {
                errors.put(field, "unknown field; expected " + String.join(", ", FIELDS.stream().sorted().toList()));
            }
        });
        String instance = text(root, "instance", errors);
        if (instance == null && !errors.containsKey("instance")) {
            errors.put("instance", "required: the Evolution instance name");
        } else if (instance != null) {
            Identifiers.INSTANCE.check("instance", instance, errors);
        }
        Recipient recipient = null;
        String to = text(root, "to", errors);
        if (!errors.containsKey("to")) {
            try {
                recipient = recipients.parse(to);
            } catch (IllegalArgumentException e) {
                errors.put("to", e.getMessage());
            }
        }
        String text = text(root, "text", errors);
        String replyTo = text(root, "replyTo", errors);
        String crmMessageId = text(root, "crmMessageId", errors);
        if (replyTo != null) {
            Identifiers.MESSAGE_ID.check("replyTo", replyTo, errors);
        }
        if (crmMessageId != null && (crmMessageId.isEmpty() || crmMessageId.length() > MAX_ID_LENGTH)) {
            errors.put("crmMessageId", "must be 1 to " + MAX_ID_LENGTH + " characters");
        }
        Media media = media(root.get("media"), errors, mediaUrls);
        if (media == null && !errors.containsKey("media")) {
            if (text == null && !errors.containsKey("text")) {
                errors.put("text", "required unless media is given");
            } else if (text != null && text.isBlank()) {
                errors.put("text", "must not be blank");
            }
        }
        if (media != null && text != null) {
            errors.put("text", "not allowed with media; put the caption in media.caption");
        }
        String body = media != null ? media.caption() : text;
        if (body != null && body.length() > maxTextLength) {
            errors.put(media != null ? "media.caption" : "text", "longer than " + maxTextLength + " characters");
        }
        if (!errors.isEmpty()) {
            throw new InvalidFieldsException(errors);
        }
        return new OutboundRequest(instance, recipient, media == null ? "text" : media.type(), body, media, replyTo,
                crmMessageId);
    }

    private static Media media(JsonNode node, Map<String, String> errors, MediaUrls mediaUrls) {
        if (node == null || node.isNull()) {
            return null;
        }
        if (!node.isObject()) {
            errors.put("media", "must be an object {type, url, caption?, fileName?, mimetype?}");
            return null;
        }
        node.fieldNames().forEachRemaining(field -> {
            if (!MEDIA_FIELDS.contains(field)) {
                errors.put("media." + field, "unknown field; expected " + String.join(", ", MEDIA_FIELDS.stream().sorted().toList()));
            }
        });
        String type = text(node, "type", errors, "media.type");
        if (type == null || !MEDIA_TYPES.contains(type)) {
            errors.putIfAbsent("media.type", "required: image, document, audio or video");
        }
        String url = text(node, "url", errors, "media.url");
        if (url == null) {
            errors.putIfAbsent("media.url", "required: an http or https URL Evolution can download");
        } else {
            String problem = mediaUrls.problem(url);
            if (problem != null) {
                errors.put("media.url", problem);
            }
        }
        String caption = text(node, "caption", errors, "media.caption");
        String fileName = text(node, "fileName", errors, "media.fileName");
        String mimetype = text(node, "mimetype", errors, "media.mimetype");
        if (fileName != null && (fileName.isBlank() || fileName.length() > MAX_FILE_NAME
                || fileName.chars().anyMatch(Character::isISOControl))) {
            errors.put("media.fileName", "must be 1 to " + MAX_FILE_NAME + " characters without control characters");
        }
        if (mimetype != null && (mimetype.length() > MAX_MIMETYPE || !MIMETYPE.matcher(mimetype).matches())) {
            errors.put("media.mimetype", "must be a media type such as image/jpeg or application/pdf, at most "
                    + MAX_MIMETYPE + " characters");
        }
        if ("document".equals(type) && fileName == null && !errors.containsKey("media.fileName")) {
            errors.put("media.fileName", "required for a document: the name the recipient sees");
        }
        if (caption != null && "audio".equals(type)) {
            errors.put("media.caption", "audio has no caption in WhatsApp");
        }
        return new Media(type, url, caption, fileName, mimetype);
    }

    private static String text(JsonNode node, String field, Map<String, String> errors) {
        return text(node, field, errors, field);
    }

    private static String text(JsonNode node, String field, Map<String, String> errors, String name) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            errors.put(name, "must be a string");
            return null;
        }
        return value.asText();
    }
}
