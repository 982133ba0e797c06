package kz.qazedu.bundle.crm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.inbound.Jids;
import kz.qazedu.bundle.message.MessageNormalizer;
import kz.qazedu.bundle.message.MessageStatus;
import kz.qazedu.bundle.message.NormalizedMessage;
import kz.qazedu.bundle.message.StatusUpdate;
import org.springframework.stereotype.Component;

/** Turns a stored Evolution event into the {@link CrmEvent} the CRM receives. */
@Component("crmEventMapper")
public class CrmEventMapper {

    private final MessageNormalizer normalizer;
    private final ObjectMapper json;

    public CrmEventMapper(MessageNormalizer normalizer, ObjectMapper json) {
        this.normalizer = normalizer;
        this.json = json;
    }

    public CrmEvent map(String eventId, String eventType, Instant receivedAt, String payload) {
        JsonNode raw = read(payload);
        String instance = raw.path("instance").asText();
        return switch (eventType) {
            case "messages.upsert", "send.message" -> message(eventId, eventType, receivedAt, payload, raw);
            case "messages.update" -> status(eventId, instance, receivedAt,
                    normalizer.normalizeStatus(payload, eventId), raw);
            case "messages.delete" -> status(eventId, instance, receivedAt,
                    normalizer.normalizeDeletion(payload, eventId), raw);
            case "connection.update" -> connection(eventId, instance, receivedAt, raw);
            case "qrcode.updated" -> qrCode(eventId, instance, receivedAt, raw);
            default -> new CrmEvent(CrmEvent.SPEC_VERSION, eventId, "evolution." + eventType, instance, receivedAt,
                    receivedAt, null, null, null, null, null, null, raw);
        };
    }

    private CrmEvent message(String eventId, String eventType, Instant receivedAt, String payload, JsonNode raw) {
        NormalizedMessage m = normalizer.normalizeMessage(payload, eventId);
        boolean sent = eventType.equals("send.message") || m.fromMe();
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId, sent ? "message.sent" : "message.received",
                m.instance(), m.waTimestamp() != null ? m.waTimestamp() : receivedAt, receivedAt,
                new CrmEvent.Chat(m.chatJid(), m.chatPhone(), m.chatLid(), m.group()),
                m.authorJid() == null && m.authorName() == null ? null
                        : new CrmEvent.Author(m.authorJid(), m.authorPhone(), m.authorName()),
                new CrmEvent.Message(m.waMessageId(), m.direction(), m.messageType(), m.body(), m.media(),
                        m.quotedMessageId()),
                m.status() == null ? null : new CrmEvent.Status(m.waMessageId(), statusName(m.status()), m.fromMe()),
                null, null, raw);
    }

    private static CrmEvent status(String eventId, String instance, Instant receivedAt, StatusUpdate update,
                                   JsonNode raw) {
        String chat = update.chatJid();
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId, "message.status", instance, receivedAt, receivedAt,
                chat == null ? null : new CrmEvent.Chat(chat, Jids.phoneOf(chat), Jids.firstLid(chat), Jids.isGroup(chat)),
                null, null,
                new CrmEvent.Status(update.waMessageId(), statusName(update.status()), update.fromMe()),
                null, null, raw);
    }

    private static CrmEvent connection(String eventId, String instance, Instant receivedAt, JsonNode raw) {
        JsonNode data = raw.path("data");
        JsonNode reason = data.path("statusReason");
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId, "instance.connection", instance, receivedAt, receivedAt,
                null, null, null, null,
                new CrmEvent.Connection(text(data, "state"), reason.canConvertToInt() ? reason.asInt() : null,
                        text(data, "wuid"), text(data, "profileName")),
                null, raw);
    }

    private static CrmEvent qrCode(String eventId, String instance, Instant receivedAt, JsonNode raw) {
        JsonNode qr = raw.path("data").path("qrcode");
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId, "instance.qrcode", instance, receivedAt, receivedAt,
                null, null, null, null, null,
                new CrmEvent.QrCode(text(qr, "code"), text(qr, "base64"), text(qr, "pairingCode"), text(qr, "message")),
                raw);
    }

    private static String statusName(String status) {
        MessageStatus known = MessageStatus.of(status);
        return known == MessageStatus.UNKNOWN ? status : known.name();
    }

    private JsonNode read(String payload) {
        try {
            return json.readTree(payload);
        } catch (IOException e) {
            throw new UncheckedIOException("stored event is not JSON", e);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        return value != null && value.isTextual() && !value.asText().isBlank() ? value.asText() : null;
    }
}
