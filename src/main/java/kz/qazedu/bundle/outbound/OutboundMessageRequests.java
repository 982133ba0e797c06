package kz.qazedu.bundle.outbound;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.edge.HttpReply;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.edge.InvalidFieldsException;
import kz.qazedu.bundle.edge.JsonBodies;
import kz.qazedu.bundle.edge.RequestRejectedException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The CRM's send API: {@code POST /api/v1/messages} validates a request, stores it in PostgreSQL as
 * {@code queued} and answers 202 with the message's id (the dispatcher takes it from there);
 * {@code GET /api/v1/messages/{id}} shows a message with its status history. An {@code Idempotency-Key} makes a
 * retried request return the first answer instead of sending again.
 */
@Component("outboundMessageRequests")
public class OutboundMessageRequests {

    private static final Set<String> MEDIA_TYPES = Set.of("image", "document", "audio", "video");
    private static final Set<String> FIELDS = Set.of("instance", "to", "text", "media", "replyTo", "crmMessageId");
    private static final Set<String> MEDIA_FIELDS = Set.of("type", "url", "caption", "fileName", "mimetype");
    private static final int MAX_ID_LENGTH = 200;
    private static final int MAX_FILE_NAME = 255;
    private static final int MAX_MIMETYPE = 127;
    private static final Pattern MIMETYPE = Pattern.compile("[A-Za-z0-9!#$&^_.+-]+/[A-Za-z0-9!#$&^_.+-]+");

    private final JdbcTemplate jdbc;
    private final OutboundStatusWriter statuses;
    private final ObjectMapper json;
    private final JsonBodies bodies;
    private final Recipients recipients;
    private final MediaUrls mediaUrls;
    private final Clock clock;
    private final int maxTextLength;

    public OutboundMessageRequests(
            JdbcTemplate jdbc,
            OutboundStatusWriter statuses,
            ObjectMapper json,
            JsonBodies bodies,
            Recipients recipients,
            MediaUrls mediaUrls,
            Clock clock,
            @Value("${bundle.outbound.max-text-length}") int maxTextLength) {
        this.jdbc = jdbc;
        this.statuses = statuses;
        this.json = json;
        this.bodies = bodies;
        this.recipients = recipients;
        this.mediaUrls = mediaUrls;
        this.clock = clock;
        this.maxTextLength = maxTextLength;
    }

    /** {@code POST /api/v1/messages}: 202 with the new message, or the first answer again for a known key. */
    @Transactional
    public HttpReply accept(byte[] requestBody, String idempotencyKey) throws JsonProcessingException {
        if (idempotencyKey != null) {
            Identifiers.IDEMPOTENCY_KEY.require("Idempotency-Key", idempotencyKey);
        }
        OutboundRequest request = validate(requestBody);
        String hash = request.hash(json);
        Instant now = clock.instant();
        String id = "out_" + UUID.randomUUID().toString().replace("-", "");
        List<String> inserted = jdbc.queryForList("""
                insert into outbound_message (id, instance, recipient, recipient_jid, kind, text, media, reply_to,
                                              crm_message_id, idempotency_key, request_hash, status, status_rank,
                                              not_before, created_at, updated_at)
                values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (idempotency_key) do nothing
                returning id
                """, String.class, id, request.instance(), request.recipient().number(), request.recipient().jid(),
                request.kind(), request.text(), request.mediaJson(json), request.replyTo(), request.crmMessageId(),
                idempotencyKey, hash, OutboundStatus.QUEUED.wireName(), OutboundStatus.QUEUED.rank(),
                Timestamp.from(now), Timestamp.from(now), Timestamp.from(now));
        if (inserted.isEmpty()) {
            Map<String, Object> first = jdbc.queryForMap(
                    "select id, request_hash from outbound_message where idempotency_key = ?", idempotencyKey);
            if (!hash.equals(first.get("request_hash"))) {
                throw new RequestRejectedException(422, "idempotency_key_reused",
                        "Idempotency-Key was already used for a different request (message " + first.get("id") + ")");
            }
            return accepted((String) first.get("id"), request);
        }
        statuses.created(id, now);
        return accepted(id, request);
    }

    /** {@code GET /api/v1/messages/{id}} */
    public HttpReply find(String id) throws JsonProcessingException {
        Identifiers.RESOURCE_ID.require("id", id);
        Timestamp now = Timestamp.from(clock.instant());
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select m.id, m.instance, m.recipient as "to", m.recipient_jid as "chatId", m.kind as "type", m.text,
                       m.media::text as media, m.reply_to as "replyTo", m.crm_message_id as "crmMessageId", m.status,
                       m.reason_code as "reasonCode", m.reason, m.wa_message_id as "waMessageId", m.attempts,
                       case when m.status <> %1$s then null
                            when oi.paused_at is not null then 'instance paused: ' || coalesce(oi.pause_reason, '')
                            when conn.state is not null and conn.state <> 'open' then 'instance not connected'
                            when oi.held_until > ? then oi.held_reason
                            when m.not_before > ? then m.waiting_reason
                            when oi.next_send_at > ? then 'pacing gap'
                            else 'waiting its turn'
                       end as "waitingReason",
                       case when m.status = %1$s and m.not_before > ? then m.not_before end as "notBefore",
                       m.first_contact as "firstContact", m.created_at as "createdAt", m.sent_at as "sentAt",
                       m.updated_at as "updatedAt"
                  from outbound_message m
                  left join outbound_instance oi on oi.instance = m.instance
                  left join instance conn on conn.name = m.instance
                 where m.id = ?
                """.formatted(OutboundStatus.QUEUED.sql()), now, now, now, now, id);
        if (rows.isEmpty()) {
            throw new RequestRejectedException(404, "not_found", "no outbound message " + id);
        }
        Map<String, Object> message = withoutNulls(rows.get(0));
        if (message.get("media") instanceof String media) {
            message.put("media", json.readTree(media));
        }
        message.put("history", jdbc.queryForList("""
                select status, reason_code as "reasonCode", reason, at
                  from outbound_message_status where message_id = ? order by id
                """, id).stream().map(OutboundMessageRequests::withoutNulls).toList());
        return new HttpReply(200, json.writeValueAsString(message));
    }

    private HttpReply accepted(String id, OutboundRequest request) throws JsonProcessingException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("status", OutboundStatus.QUEUED.wireName());
        body.put("instance", request.instance());
        body.put("to", request.recipient().number());
        if (request.crmMessageId() != null) {
            body.put("crmMessageId", request.crmMessageId());
        }
        return new HttpReply(202, json.writeValueAsString(body));
    }

    /** Every problem of the request at once, by field. */
    OutboundRequest validate(byte[] requestBody) {
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

    private static Map<String, Object> withoutNulls(Map<String, Object> row) {
        Map<String, Object> copy = new LinkedHashMap<>();
        row.forEach((key, value) -> {
            if (value != null) {
                copy.put(key, value);
            }
        });
        return copy;
    }

    /** A media attachment by URL. */
    record Media(String type, String url, String caption, String fileName, String mimetype) {
    }

    /** A valid send request. {@code text} is the message's text, or the media's caption. */
    record OutboundRequest(String instance, Recipient recipient, String kind, String text, Media media,
                           String replyTo, String crmMessageId) {

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
}
