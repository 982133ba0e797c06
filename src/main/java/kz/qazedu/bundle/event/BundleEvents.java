package kz.qazedu.bundle.event;

import java.sql.Timestamp;
import java.time.Instant;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Journals an event of the bundle's own ({@link EventTypes#isBundles}) like a webhook, in the caller's transaction:
 * it is relayed to its stream and forwarded to the CRM in order with the instance's other events
 * ({@code journal_bundle_event}, which ignores an event id it already has).
 */
@Component
public class BundleEvents {

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;

    public BundleEvents(JdbcTemplate jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /** A new {@code data} object for {@link #journal}. */
    public ObjectNode data() {
        return json.createObjectNode();
    }

    /** Journals {@code {"event": type, "instance": instance, "data": data}}. */
    public void journal(String eventId, String type, String instance, ObjectNode data, Instant at) {
        ObjectNode payload = json.createObjectNode();
        payload.put("event", type);
        payload.put("instance", instance);
        payload.set("data", data);
        jdbc.queryForList("select journal_bundle_event(?, ?, ?, null, null, ?::jsonb, ?)::text", String.class,
                eventId, type, instance, payload.toString(), Timestamp.from(at));
    }
}
