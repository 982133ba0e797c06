package kz.qazedu.bundle.event;

import java.sql.Timestamp;
import java.time.Instant;

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

    public BundleEvents(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** @param payload {@code {"event": type, "instance": instance, "data": {...}}} */
    public void journal(String eventId, String type, String instance, ObjectNode payload, Instant at) {
        jdbc.queryForList("select journal_bundle_event(?, ?, ?, null, null, ?::jsonb, ?)::text", String.class,
                eventId, type, instance, payload.toString(), Timestamp.from(at));
    }
}
