package kz.qazedu.bundle.inbound;

import java.time.Clock;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.edge.InvalidFieldsException;
import kz.qazedu.bundle.edge.JsonBodies;
import kz.qazedu.bundle.edge.RequestRejectedException;
import org.apache.camel.Body;
import org.apache.camel.Exchange;
import org.apache.camel.Header;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Checks that a body is an Evolution webhook (a JSON object with a string {@code event} and a string
 * {@code instance} within their limits; {@code data} an object, an array or null) and turns it into an
 * {@link InboundEvent}. Unknown event names are accepted (Evolution adds new ones between releases); the bundle's
 * own names are not ({@link ReservedEventNames}).
 */
@Component("evolutionWebhookParser")
public class EvolutionWebhookParser {

    private static final Logger LOG = LoggerFactory.getLogger(EvolutionWebhookParser.class);

    static final String REDACTED = "[redacted]";
    private static final String MEDIA_KEY = "mediaKey";
    private static final Pattern PATH_TOKEN = Pattern.compile("/key/[^/?#]+");

    private final JsonBodies bodies;
    private final Clock clock;
    private final boolean redactApiKey;
    private final boolean redactMediaKeys;

    public EvolutionWebhookParser(
            JsonBodies bodies,
            Clock clock,
            WebhookSettings settings) {
        this.bodies = bodies;
        this.clock = clock;
        this.redactApiKey = settings.redactEvolutionApikey();
        this.redactMediaKeys = settings.redactMediaKeys();
    }

    /**
     * @param body the request body
     * @param path the request path; a "webhook by events" suffix that disagrees with the body is logged, not
     *             rejected (the body's {@code event} is what counts, and a 4xx would make Evolution drop the event)
     * @throws RequestRejectedException 400 naming what is wrong
     */
    public InboundEvent parse(@Body byte[] body, @Header(Exchange.HTTP_PATH) String path) {
        JsonBodies.Parsed parsed = bodies.parse(body);
        JsonNode root = parsed.tree();
        if (!root.isObject()) {
            throw RequestRejectedException.badRequest("invalid_envelope", "body must be a JSON object");
        }
        String event = requiredText(root, "event");
        String instance = requiredText(root, "instance");
        Identifiers.EVENT.require("event", event);
        Identifiers.INSTANCE.require("instance", instance);
        if (ReservedEventNames.isReserved(event)) {
            throw new InvalidFieldsException("reserved_event", Map.of("event",
                    "'" + event + "' is one of the bundle's own event names and cannot come from Evolution"));
        }
        JsonNode data = root.get("data");
        if (data != null && !data.isObject() && !data.isArray() && !data.isNull()) {
            throw RequestRejectedException.badRequest("invalid_envelope",
                    "field 'data' must be an object, an array or null, not " + data.getNodeType().name().toLowerCase());
        }
        WebhookPath webhookPath = WebhookPath.parse(path);
        if (!webhookPath.suffixMatches(event)) {
            LOG.warn("Webhook path suffix '{}' does not match event '{}' of instance '{}'; the body's event is used",
                    webhookPath.eventSuffix(), event, instance);
        }
        EventIdentity identity = EventIdentity.of(event, instance, root);
        String payload = redact((ObjectNode) root) ? root.toString() : parsed.text();
        return new InboundEvent(identity.eventId(), event, instance, identity.chatId(), identity.messageId(),
                payload, clock.instant());
    }

    /**
     * Secrets must not travel on with the event (to the journal, the broker's streams and the CRM): Evolution
     * echoes the webhook URL in {@code destination}, which for global webhooks holds the bundle's token
     * ({@code /key/<token>}), puts the instance's own API key in {@code apikey}, and each media message carries
     * the {@code mediaKey} that decrypts its file on WhatsApp's servers (Evolution keeps its own copy to serve
     * the media).
     *
     * @return whether anything was redacted
     */
    private boolean redact(ObjectNode root) {
        boolean changed = redactMediaKeys && redactMediaKeys(root.get("data"));
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

    /** Replaces every {@code mediaKey} in the event's data (quoted messages included). */
    private static boolean redactMediaKeys(JsonNode data) {
        if (data == null) {
            return false;
        }
        boolean changed = false;
        Deque<JsonNode> pending = new ArrayDeque<>();
        pending.push(data);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node instanceof ObjectNode object) {
                JsonNode key = object.get(MEDIA_KEY);
                if (key != null && !key.isNull() && !(key.isTextual() && REDACTED.equals(key.asText()))) {
                    object.put(MEDIA_KEY, REDACTED);
                    changed = true;
                }
                object.elements().forEachRemaining(child -> {
                    if (child.isContainerNode()) {
                        pending.push(child);
                    }
                });
            } else if (node.isArray()) {
                node.forEach(child -> {
                    if (child.isContainerNode()) {
                        pending.push(child);
                    }
                });
            }
        }
        return changed;
    }

    private static String requiredText(JsonNode root, String field) {
        JsonNode node = root.get(field);
        if (node == null || node.isNull()) {
            throw RequestRejectedException.badRequest("invalid_envelope", "field '" + field + "' is missing");
        }
        if (!node.isTextual() || node.asText().isBlank()) {
            throw RequestRejectedException.badRequest("invalid_envelope", "field '" + field + "' must be a non-empty string");
        }
        return node.asText();
    }
}
