package kz.qazedu.bundle.instance;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.inbound.WebhookSettings;
import org.springframework.stereotype.Component;

/**
 * The webhook the bundle gives every instance it creates or adopts: {@code BUNDLE_PUBLIC_URL/webhook/evolution},
 * with the bundle's authentication (Evolution's {@code jwt_key} header when {@code WEBHOOK_JWT_SECRET} is set, so
 * that Evolution signs a short-lived JWT for every POST; otherwise the token header), one URL for every event
 * ({@code byEvents: false}), media as URLs ({@code base64: false}), and the events of
 * {@code INSTANCE_WEBHOOK_EVENTS}, each checked at start against the names Evolution 2.3 accepts.
 */
@Component("instanceWebhook")
public class InstanceWebhook {

    /** Evolution 2.3's webhook event names ({@code EventController.events}). */
    static final Set<String> EVOLUTION_EVENTS = Set.of(
            "APPLICATION_STARTUP", "QRCODE_UPDATED", "MESSAGES_SET", "MESSAGES_UPSERT", "MESSAGES_EDITED",
            "MESSAGES_UPDATE", "MESSAGES_DELETE", "SEND_MESSAGE", "SEND_MESSAGE_UPDATE", "CONTACTS_SET",
            "CONTACTS_UPSERT", "CONTACTS_UPDATE", "PRESENCE_UPDATE", "CHATS_SET", "CHATS_UPSERT", "CHATS_UPDATE",
            "CHATS_DELETE", "GROUPS_UPSERT", "GROUP_UPDATE", "GROUP_PARTICIPANTS_UPDATE", "CONNECTION_UPDATE",
            "LABELS_EDIT", "LABELS_ASSOCIATION", "CALL", "TYPEBOT_START", "TYPEBOT_CHANGE_STATUS", "REMOVE_INSTANCE",
            "LOGOUT_INSTANCE", "INSTANCE_CREATE", "INSTANCE_DELETE", "STATUS_INSTANCE");

    /** What the bundle cannot do without. */
    static final List<String> REQUIRED_EVENTS = List.of("MESSAGES_UPSERT", "MESSAGES_UPDATE", "MESSAGES_DELETE",
            "SEND_MESSAGE", "CONNECTION_UPDATE", "QRCODE_UPDATED");

    private final ObjectMapper json;
    private final String url;
    private final Map<String, String> headers;
    private final List<String> events;

    public InstanceWebhook(ObjectMapper json,
                           BundleAddress address,
                           InstanceSettings settings,
                           WebhookSettings webhook) {
        this.json = json;
        // BundleAddress and InstanceSettings have checked the URL and the events at startup
        this.url = address.base() + "/webhook/evolution";
        this.events = settings.webhookEvents();
        Map<String, String> auth = new LinkedHashMap<>();
        if (!webhook.jwtSecret().isBlank()) {
            auth.put("jwt_key", webhook.jwtSecret());
        } else if (!webhook.token().isBlank()) {
            auth.put(webhook.tokenHeader(), webhook.token());
        }
        this.headers = Map.copyOf(auth);
    }

    public String url() {
        return url;
    }

    public List<String> events() {
        return events;
    }

    /** The {@code webhook} object of {@code POST /instance/create} and of {@code POST /webhook/set}. */
    public ObjectNode config() {
        ObjectNode webhook = json.createObjectNode();
        webhook.put("enabled", true);
        webhook.put("url", url);
        ObjectNode headerNode = webhook.putObject("headers");
        headers.forEach(headerNode::put);
        webhook.put("byEvents", false);
        webhook.put("base64", false);
        events.forEach(webhook.putArray("events")::add);
        return webhook;
    }

    /** Whether a webhook as {@code GET /webhook/find} reports it is the bundle's, as {@link #config} sets it. */
    public boolean matches(com.fasterxml.jackson.databind.JsonNode found) {
        if (found == null || !found.isObject() || !found.path("enabled").asBoolean(false)
                || !url.equals(found.path("url").asText()) || found.path("webhookByEvents").asBoolean(false)
                || found.path("webhookBase64").asBoolean(false)) {
            return false;
        }
        for (Map.Entry<String, String> header : headers.entrySet()) {
            if (!header.getValue().equals(found.path("headers").path(header.getKey()).asText(null))) {
                return false;
            }
        }
        Set<String> configured = new java.util.HashSet<>();
        found.path("events").forEach(e -> configured.add(e.asText()));
        // an empty list is Evolution's "every event"
        return configured.isEmpty() || configured.containsAll(events);
    }
}
