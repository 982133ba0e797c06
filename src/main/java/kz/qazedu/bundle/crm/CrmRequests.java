package kz.qazedu.bundle.crm;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

/**
 * Builds the HTTP request for one CRM delivery: the {@link CrmEvent} JSON and the Standard Webhooks headers
 * ({@code webhook-id} = the event id, the same on every attempt and replay; {@code webhook-timestamp};
 * {@code webhook-signature}).
 */
@Component("crmRequests")
public class CrmRequests {

    /** A request ready to post: its body as the UTF-8 bytes that are signed and sent. */
    public record CrmRequest(byte[] body, Map<String, String> headers) {

        /** The body as text, for what keeps it (a dead letter). */
        public String text() {
            return new String(body, StandardCharsets.UTF_8);
        }
    }

    private final CrmEventMapper mapper;
    private final ObjectMapper json;
    private final StandardWebhookSigner signer;
    private final Clock clock;

    public CrmRequests(CrmEventMapper mapper, ObjectMapper json, Clock clock,
                       CrmSettings settings) {
        this.mapper = mapper;
        this.json = json;
        this.clock = clock;
        // forwarding never sends unsigned: without a secret the bundle does not start (unless forwarding is off)
        this.signer = settings.enabled() ? new StandardWebhookSigner(settings.webhookSecret()) : null;
    }

    /**
     * @throws UnmappableEventException when the stored event cannot become a CRM request
     */
    public CrmRequest build(CrmDelivery delivery) {
        byte[] body;
        try {
            CrmEvent event = mapper.map(delivery.eventId(), delivery.eventType(), delivery.receivedAt(),
                    delivery.payload());
            body = json.writeValueAsBytes(event); // encoded once: signed and sent as they are
        } catch (JsonProcessingException | RuntimeException e) {
            throw new UnmappableEventException("the event cannot be mapped to a CRM event: " + e.getMessage(), e);
        }
        long timestamp = clock.instant().getEpochSecond();
        return new CrmRequest(body, Map.of(
                "Content-Type", "application/json",
                "webhook-id", delivery.eventId(),
                "webhook-timestamp", String.valueOf(timestamp),
                "webhook-signature", signer.sign(delivery.eventId(), timestamp, body)));
    }
}
