package kz.qazedu.bundle.crm;

import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonRawValue;

/**
 * What the CRM receives for one WhatsApp event (version {@value #SPEC_VERSION}): made for a CRM, not Evolution's
 * envelope, with {@code raw} keeping the original payload so that nothing is lost. Fields that do not apply to a
 * type are left out.
 *
 * @param id         stable per event (the bundle's event id), the same on every delivery attempt and replay
 * @param type       {@code message.received}, {@code message.sent}, {@code message.status},
 *                   {@code instance.connection}, {@code instance.qrcode}, {@code instance.sending},
 *                   {@code instance.silence}, or
 *                   {@code evolution.<event>} ({@link kz.qazedu.bundle.event.EventTypes})
 * @param outbound   on {@code message.status} of a message sent through the bundle's API: its ids and status
 * @param occurredAt WhatsApp's timestamp where the event has one, else when the bundle received it
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CrmEvent(
        String specVersion,
        String id,
        String type,
        String instance,
        Instant occurredAt,
        Instant receivedAt,
        Chat chat,
        Author author,
        Message message,
        Status status,
        Connection connection,
        QrCode qrcode,
        Outbound outbound,
        Sending sending,
        Silence silence,
        @JsonRawValue String raw) {

    public static final String SPEC_VERSION = "1";

    /** An event without a {@code silence} part. */
    public CrmEvent(String specVersion, String id, String type, String instance, Instant occurredAt, Instant receivedAt,
                    Chat chat, Author author, Message message, Status status, Connection connection, QrCode qrcode,
                    Outbound outbound, Sending sending, String raw) {
        this(specVersion, id, type, instance, occurredAt, receivedAt, chat, author, message, status, connection, qrcode,
                outbound, sending, null, raw);
    }

    /** The same event carrying the stored payload, as JSON text, in {@code raw}. */
    public CrmEvent withRaw(String payload) {
        return new CrmEvent(specVersion, id, type, instance, occurredAt, receivedAt, chat, author, message, status,
                connection, qrcode, outbound, sending, silence, payload);
    }

    /** @param id the chat JID (phone JID preferred); {@code phone} digits; {@code lid} the hidden-number id */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Chat(String id, String phone, String lid, boolean isGroup) {
    }

    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Author(String id, String phone, String name) {
    }

    /** @param direction {@code inbound} or {@code outbound} */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Message(String id, String direction, String type, String text, Map<String, Object> media,
                          String quotedMessageId) {
    }

    /** @param value PENDING, SERVER_ACK, DELIVERY_ACK, READ, PLAYED, ERROR or DELETED (else as Evolution wrote it) */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Status(String messageId, String value, Boolean fromMe) {
    }

    /** @param state connecting, open, close or refused */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Connection(String state, Integer statusReason, String ownerId, String profileName) {
    }

    /** A new QR code to scan, or {@code error} once Evolution's QR limit is reached. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record QrCode(String code, String base64, String pairingCode, String error) {
    }

    /**
     * A message the CRM sent through {@code POST /api/v1/messages}.
     *
     * @param id           the bundle's message id ({@code out_...})
     * @param crmMessageId the CRM's own id, as given in the request
     * @param status       queued, sending, sent, delivered, read, played, failed or unknown
     * @param reasonCode   why it failed or waits: not_on_whatsapp, rejected, configuration, unconfirmed, ...
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Outbound(String id, String crmMessageId, String to, String status, String reasonCode, String reason,
                           Integer attempts) {
    }

    /**
     * An instance Evolution calls open that has sent no event for longer than {@code INSTANCE_SILENCE_LIMIT}
     * ({@code state: silent}), or that talks again ({@code talking}).
     *
     * @param action what the bundle did: {@code alerted}, {@code restarted}, {@code restart_failed} (silent), or
     *               {@code none} (talking)
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Silence(String state, String lastEventAt, Long silentSeconds, String action, String reason) {
    }

    /** An instance's sending: {@code paused} (repeated failures, configuration error, by hand) or {@code resumed}. */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Sending(String state, String reasonCode, String reason) {
    }
}
