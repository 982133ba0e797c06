package kz.qazedu.bundle.inbound;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.regex.Pattern;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Checks that a body is an Evolution webhook (a JSON object with a string {@code event} and a string
 * {@code instance}; {@code data} an object, an array or null) and turns it into an {@link InboundEvent}.
 * Unknown event names are accepted: Evolution adds new ones between releases.
 */
@Component("evolutionWebhookParser")
public class EvolutionWebhookParser {

    private static final Logger LOG = LoggerFactory.getLogger(EvolutionWebhookParser.class);

    static final String REDACTED = "[redacted]";
    private static final Pattern PATH_TOKEN = Pattern.compile("/key/[^/?#]+");

    private final ObjectMapper json;
    private final Clock clock;
    private final boolean redactApiKey;

    public EvolutionWebhookParser(
            ObjectMapper json,
            Clock clock,
            @Value("${bundle.webhook.redact-evolution-apikey:true}") boolean redactApiKey) {
        this.json = json;
        this.clock = clock;
        this.redactApiKey = redactApiKey;
    }

    /**
     * @param body the request body
     * @param path the request path; a "webhook by events" suffix that disagrees with the body is logged, not
     *             rejected (the body's {@code event} is what counts, and a 4xx would make Evolution drop the event)
     * @throws WebhookRejectedException 400 naming what is wrong
     */
    public InboundEvent parse(byte[] body, String path) {
        if (body == null || body.length == 0) {
            throw WebhookRejectedException.badRequest("empty_body", "request body is empty; expected an Evolution webhook JSON");
        }
        JsonNode root;
        try {
            root = json.readTree(body);
        } catch (JsonProcessingException e) {
            throw WebhookRejectedException.badRequest("invalid_json",
                    "body is not valid JSON: " + e.getOriginalMessage() + locationOf(e));
        } catch (IOException e) {
            throw WebhookRejectedException.badRequest("invalid_json", "body could not be read as JSON");
        }
        if (root == null || !root.isObject()) {
            throw WebhookRejectedException.badRequest("invalid_envelope", "body must be a JSON object");
        }
        String event = requiredText(root, "event");
        String instance = requiredText(root, "instance");
        JsonNode data = root.get("data");
        if (data != null && !data.isObject() && !data.isArray() && !data.isNull()) {
            throw WebhookRejectedException.badRequest("invalid_envelope",
                    "field 'data' must be an object, an array or null, not " + data.getNodeType().name().toLowerCase());
        }
        WebhookPath webhookPath = WebhookPath.parse(path);
        if (!webhookPath.suffixMatches(event)) {
            LOG.warn("Webhook path suffix '{}' does not match event '{}' of instance '{}'; the body's event is used",
                    webhookPath.eventSuffix(), event, instance);
        }
        EventIdentity identity = EventIdentity.of(event, instance, root);
        String payload = redact((ObjectNode) root)
                ? root.toString()
                : new String(body, StandardCharsets.UTF_8);
        return new InboundEvent(identity.eventId(), event, instance, identity.chatId(), identity.messageId(),
                payload, clock.instant());
    }

    /**
     * Secrets must not travel on with the event (to the journal, the broker's streams and the CRM): Evolution
     * echoes the webhook URL in {@code destination}, which for global webhooks holds the bundle's token
     * ({@code /key/<token>}), and puts the instance's own API key in {@code apikey}.
     *
     * @return whether anything was redacted
     */
    private boolean redact(ObjectNode root) {
        boolean changed = false;
        JsonNode destination = root.get("destination");
        if (destination != null && destination.isTextual()) {
            String redacted = PATH_TOKEN.matcher(destination.asText()).replaceAll("/key/" + REDACTED);
            if (!redacted.equals(destination.asText())) {
                root.put("destination", redacted);
                changed = true;
            }
        }
        JsonNode apikey = root.get("apikey");
        if (redactApiKey && apikey != null && apikey.isTextual() && !apikey.asText().isEmpty()) {
            root.put("apikey", REDACTED);
            changed = true;
        }
        return changed;
    }

    private static String requiredText(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw WebhookRejectedException.badRequest("invalid_envelope", "field '" + field + "' is missing");
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw WebhookRejectedException.badRequest("invalid_envelope", "field '" + field + "' must be a non-empty string");
        }
        return node.asText();
    }

    private static String locationOf(JsonProcessingException e) {
        return e.getLocation() == null ? ""
                : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")";
    }
}
