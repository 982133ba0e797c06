package kz.qazedu.bundle.instance;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import kz.qazedu.bundle.inbound.OutboxEvent;
import kz.qazedu.bundle.event.EventTypes;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The time of each instance's latest event from Evolution ({@code instance.last_event_at}), written in the relay's
 * round: one statement for the round's instances, whatever the number of events. The bundle's own events (about the
 * messages it sends, sending, silence) do not count: they say nothing of whether Evolution still talks.
 */
@Component("instanceActivity")
public class InstanceActivity {

    private static final String TOUCH = """
            insert into instance (name, last_event_at)
            select * from unnest(?::text[], ?::timestamptz[])
            on conflict (name) do update
               set last_event_at = greatest(instance.last_event_at, excluded.last_event_at)
            """;

    private final JdbcTemplate jdbc;

    public InstanceActivity(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    public void touchAll(List<OutboxEvent> events) {
        // sorted by name: two rounds never lock the same rows in different orders
        Map<String, Instant> latest = new TreeMap<>();
        for (OutboxEvent event : events) {
            if (!EventTypes.isBundles(event.eventType()) && !event.instance().isEmpty()) {
                latest.merge(event.instance(), event.receivedAt(), (a, b) -> a.isAfter(b) ? a : b);
            }
        }
        if (latest.isEmpty()) {
            return;
        }
        jdbc.update(connection -> {
            var touch = connection.prepareStatement(TOUCH);
            touch.setArray(1, connection.createArrayOf("text", latest.keySet().toArray()));
            touch.setArray(2, connection.createArrayOf("timestamptz",
                    latest.values().stream().map(Timestamp::from).toArray()));
            return touch;
        });
    }
}
