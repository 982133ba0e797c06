package kz.qazedu.bundle.crm;

import java.time.Clock;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperties;
import org.apache.camel.Headers;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Builds the HTTP request for one CRM delivery: the {@link CrmEvent} JSON and the Standard Webhooks headers
 * ({@code webhook-id} = the event id, the same on every attempt and replay; {@code webhook-timestamp};
 * {@code webhook-signature}). Nothing of the inbound exchange's headers goes out.
 */
@Component("crmRequests")
public class CrmRequests {

    public static final String STARTED_NANOS = "crmAttemptStartedNanos";
    public static final String CRM_BODY = "crmBody";

    private final JdbcTemplate jdbc;
    private final CrmEventMapper mapper;
    private final ObjectMapper json;
    private final StandardWebhookSigner signer;
    private final Clock clock;

    public CrmRequests(JdbcTemplate jdbc, CrmEventMapper mapper, ObjectMapper json, Clock clock,
                       @Value("${bundle.crm.enabled}") boolean forwarding,
                       @Value("${bundle.crm.webhook-secret}") String secret) {
        this.jdbc = jdbc;
        this.mapper = mapper;
        this.json = json;
        this.clock = clock;
        // forwarding never sends unsigned: without a secret the bundle does not start (unless forwarding is off)
        this.signer = forwarding ? new StandardWebhookSigner(secret) : null;
    }

    /**
     * @return the request body; {@code headers} receives the request headers
     * @throws UnmappableEventException when the stored event cannot become a CRM request (its {@code crmBody}
     *         property then holds the stored payload, for the dead-letter queue)
     */
    public String prepare(CrmDelivery delivery, @Headers Map<String, Object> headers,
                          @ExchangeProperties Map<String, Object> properties) {
        Map<String, Object> stored = jdbc.queryForMap(
                "select received_at, payload::text as payload from inbound_event where event_id = ?", delivery.eventId());
        String payload = (String) stored.get("payload");
        String body;
        try {
            CrmEvent event = mapper.map(delivery.eventId(), delivery.eventType(),
                    ((java.sql.Timestamp) stored.get("received_at")).toInstant(), payload);
            body = json.writeValueAsString(event);
        } catch (JsonProcessingException | RuntimeException e) {
            properties.put(CRM_BODY, payload);
            throw new UnmappableEventException("the event cannot be mapped to a CRM event: " + e.getMessage(), e);
        }
        long timestamp = clock.instant().getEpochSecond();

        headers.clear();
        headers.put(Exchange.HTTP_METHOD, "POST");
        headers.put(Exchange.CONTENT_TYPE, "application/json");
        headers.put("webhook-id", delivery.eventId());
        headers.put("webhook-timestamp", String.valueOf(timestamp));
        headers.put("webhook-signature", signer.sign(delivery.eventId(), timestamp, body));
        properties.put(CRM_BODY, body);
        properties.put(STARTED_NANOS, System.nanoTime());
        return body;
    }
}
