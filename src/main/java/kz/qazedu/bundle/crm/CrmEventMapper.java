package kz.qazedu.bundle.crm;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Locale;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.event.EventTypes;
import kz.qazedu.bundle.message.MessageNormalizer;
import kz.qazedu.bundle.message.NormalizedMessage;
import kz.qazedu.bundle.message.StatusUpdate;
import kz.qazedu.bundle.whatsapp.Jids;
import kz.qazedu.bundle.whatsapp.MessageStatus;
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
        CrmEvent event = switch (eventType) {
            case EventTypes.MESSAGES_UPSERT, EventTypes.SEND_MESSAGE -> message(eventId, eventType, receivedAt, raw);
            case EventTypes.MESSAGES_UPDATE -> status(eventId, instance, receivedAt,
                    normalizer.normalizeStatus(raw, eventId), raw);
            case EventTypes.MESSAGES_DELETE -> status(eventId, instance, receivedAt,
                    normalizer.normalizeDeletion(raw, eventId), raw);
            case EventTypes.CONNECTION_UPDATE -> connection(eventId, instance, receivedAt, raw);
            case EventTypes.QRCODE_UPDATED -> qrCode(eventId, instance, receivedAt, raw);
            case EventTypes.OUTBOUND_STATUS -> outboundStatus(eventId, instance, receivedAt, raw);
            case EventTypes.OUTBOUND_INSTANCE -> sending(eventId, instance, receivedAt, raw);
            case EventTypes.BUNDLE_INSTANCE_SILENCE -> silence(eventId, instance, receivedAt, raw);
            default -> new CrmEvent(CrmEvent.SPEC_VERSION, eventId, EventTypes.CRM_EVOLUTION_PREFIX + eventType,
                    instance, receivedAt, receivedAt, null, null, null, null, null, null, null, null, null);
        };
        // the stored payload as it is: valid JSON, written without a second pass through a tree
        return event.withRaw(payload);
    }

    private CrmEvent message(String eventId, String eventType, Instant receivedAt, JsonNode raw) {
        NormalizedMessage m = normalizer.normalizeMessage(raw, eventId);
        boolean sent = eventType.equals(EventTypes.SEND_MESSAGE) || m.fromMe();
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId,
                sent ? EventTypes.CRM_MESSAGE_SENT : EventTypes.CRM_MESSAGE_RECEIVED,
                m.instance(), m.waTimestamp() != null ? m.waTimestamp() : receivedAt, receivedAt,
                new CrmEvent.Chat(m.chatJid(), m.chatPhone(), m.chatLid(), m.group()),
                m.authorJid() == null && m.authorName() == null ? null
                        : new CrmEvent.Author(m.authorJid(), m.authorPhone(), m.authorName()),
                new CrmEvent.Message(m.waMessageId(), m.direction(), m.messageType(), m.body(), m.media(),
                        m.quotedMessageId()),
                m.status() == null ? null : new CrmEvent.Status(m.waMessageId(), statusName(m.status()), m.fromMe()),
                null, null, null, null, null);
    }

    private static CrmEvent status(String eventId, String instance, Instant receivedAt, StatusUpdate update,
                                   JsonNode raw) {
        String chat = update.chatJid();
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId, EventTypes.CRM_MESSAGE_STATUS, instance,
                receivedAt, receivedAt,
                chat == null ? null : new CrmEvent.Chat(chat, Jids.phoneOf(chat), Jids.firstLid(chat), Jids.isGroup(chat)),
                null, null,
                new CrmEvent.Status(update.waMessageId(), statusName(update.status()), update.fromMe()),
                null, null, null, null, null);
    }

    private static CrmEvent connection(String eventId, String instance, Instant receivedAt, JsonNode raw) {
        JsonNode data = raw.path("data");
        JsonNode reason = data.path("statusReason");
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId, EventTypes.CRM_INSTANCE_CONNECTION, instance,
                receivedAt, receivedAt, null, null, null, null,
                new CrmEvent.Connection(text(data, "state"), reason.canConvertToInt() ? reason.asInt() : null,
                        text(data, "wuid"), text(data, "profileName")),
                null, null, null, null);
    }

    private static CrmEvent qrCode(String eventId, String instance, Instant receivedAt, JsonNode raw) {
        JsonNode qr = raw.path("data").path("qrcode");
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId, EventTypes.CRM_INSTANCE_QRCODE, instance,
                receivedAt, receivedAt, null, null, null, null, null,
                new CrmEvent.QrCode(text(qr, "code"), text(qr, "base64"), text(qr, "pairingCode"), text(qr, "message")),
                null, null, null);
    }

    /**
     * A status change of a message sent through the bundle's API, with the CRM's own id; {@code status.value} is
     * the outbound status upper-cased (SENT, DELIVERED, READ, FAILED, UNKNOWN, ...).
     */
    private static CrmEvent outboundStatus(String eventId, String instance, Instant receivedAt, JsonNode raw) {
        JsonNode data = raw.path("data");
        String chat = text(data, "chatId");
        String status = text(data, "status");
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId, EventTypes.CRM_MESSAGE_STATUS, instance,
                receivedAt, receivedAt,
                chat == null ? null : new CrmEvent.Chat(chat, Jids.phoneOf(chat), Jids.firstLid(chat), Jids.isGroup(chat)),
                null, null,
                new CrmEvent.Status(text(data, "waMessageId"), status == null ? null : status.toUpperCase(Locale.ROOT), true),
                null, null,
                new CrmEvent.Outbound(text(data, "id"), text(data, "crmMessageId"), text(data, "to"), status,
                        text(data, "reasonCode"), text(data, "reason"),
                        data.path("attempts").canConvertToInt() ? data.path("attempts").asInt() : null),
                null, null);
    }

    private static CrmEvent silence(String eventId, String instance, Instant receivedAt, JsonNode raw) {
        JsonNode data = raw.path("data");
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId, EventTypes.CRM_INSTANCE_SILENCE, instance, receivedAt,
                receivedAt, null, null, null, null, null, null, null, null,
                new CrmEvent.Silence(text(data, "state"), text(data, "lastEventAt"),
                        data.path("silentSeconds").canConvertToLong() ? data.path("silentSeconds").asLong() : null,
                        text(data, "action"), text(data, "reason")), null);
    }

    private static CrmEvent sending(String eventId, String instance, Instant receivedAt, JsonNode raw) {
        JsonNode data = raw.path("data");
        return new CrmEvent(CrmEvent.SPEC_VERSION, eventId, EventTypes.CRM_INSTANCE_SENDING, instance,
                receivedAt, receivedAt, null, null, null, null, null, null, null,
                new CrmEvent.Sending(text(data, "state"), text(data, "reasonCode"), text(data, "reason")), null);
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
