package kz.qazedu.bundle.inbound;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Array;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The journal's newest events, a page at a time, read by the primary key only ({@code seq}, newest first): the
 * journal is the intake's hot table, so browsing it adds no index and never scans it whole. With an instance
 * filter a call looks at no more than {@code EVENTS_INSTANCE_SCAN} events before its cursor; when those hold fewer
 * than a page of the instance's events, the page says so and its cursor goes on from the oldest event looked at.
 * Of an event's payload only its {@code data} leaves the database, for the types that have a summary
 * ({@link EventSummaries#SUMMARISED_TYPES}) and without the media bytes Evolution's base64 mode puts in a message.
 */
@Component("latestEvents")
@EnableConfigurationProperties(LatestEventsSettings.class)
public class LatestEvents {

    /**
     * The newest events before the cursor (all of them, or the newest {@code ?} of them when filtered), then the
     * page; the {@code data} of a summarised event is read for the rows of the page only.
     */
    private static final String PAGE = """
            select s.seq, s.event_id, s.event_type, s.instance, s.chat_id, s.message_id, s.received_at,
                   exists (select 1 from event_outbox o where o.seq = s.seq) as waiting,
                   (select case when jsonb_typeof(d.payload -> 'data') <> 'object' then null
                                when jsonb_typeof(d.payload #> '{data,message}') = 'object'
                                    then jsonb_set(d.payload -> 'data', '{message}', (d.payload #> '{data,message}') - 'base64')
                                else d.payload -> 'data' end
                      from inbound_event d where d.seq = s.seq and d.event_type = any(?))::text as data
              from (select seq, event_id, event_type, instance, chat_id, message_id, received_at
                      from inbound_event where seq < ? order by seq desc limit ?) s
             where cast(? as text) is null or s.instance = ?
             order by s.seq desc
             limit ?
            """;

    /** How many events a filtered call looked at, and the oldest of them. */
    private static final String SCANNED = """
            select count(*) as scanned, min(seq) as oldest
              from (select seq from inbound_event where seq < ? order by seq desc limit ?) s
            """;

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final EventSummaries summaries;
    private final LatestEventsSettings settings;

    public LatestEvents(JdbcTemplate jdbc, ObjectMapper json, EventSummaries summaries, LatestEventsSettings settings) {
        this.jdbc = jdbc;
        this.json = json;
        this.summaries = summaries;
        this.settings = settings;
    }

    /**
     * @param limit    events in the page, 1 to {@code EVENTS_MAX_PAGE_SIZE}
     * @param instance only this instance's events, or null for every instance's
     * @param before   only events whose seq is lower (a previous page's {@link Page#nextBefore()}), or null
     */
    public Page page(int limit, String instance, Long before) {
        long cursor = before == null ? Long.MAX_VALUE : before;
        int window = instance == null ? limit + 1 : settings.instanceScan();
        List<EventView> rows = jdbc.query(connection -> {
            var query = connection.prepareStatement(PAGE);
            Array types = connection.createArrayOf("text", EventSummaries.SUMMARISED_TYPES.toArray());
            query.setArray(1, types);
            query.setLong(2, cursor);
            query.setInt(3, window);
            query.setString(4, instance);
            query.setString(5, instance);
            query.setInt(6, limit + 1);
            return query;
        }, (row, n) -> view(row));
        if (rows.size() > limit) {
            List<EventView> events = rows.subList(0, limit);
            return new Page(List.copyOf(events), events.get(limit - 1).seq(), false);
        }
        if (instance == null) {
            return new Page(rows, null, false);
        }
        Map<String, Object> scan = jdbc.queryForMap(SCANNED, cursor, window);
        boolean reached = ((Number) scan.get("scanned")).longValue() >= window;
        Long oldest = scan.get("oldest") == null ? null : ((Number) scan.get("oldest")).longValue();
        return new Page(rows, reached ? oldest : null, reached);
    }

    private EventView view(ResultSet row) throws SQLException {
        String type = row.getString("event_type");
        return new EventView(row.getLong("seq"), row.getString("event_id"), type, row.getString("instance"),
                row.getString("chat_id"), row.getString("message_id"), row.getTimestamp("received_at").toInstant(),
                row.getBoolean("waiting"), summaries.summarise(type, data(row.getString("data"))));
    }

    private JsonNode data(String text) {
        if (text == null) {
            return null;
        }
        try {
            return json.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException("stored event is not JSON", e);
        }
    }

    /**
     * A page of events, newest first.
     *
     * @param nextBefore       the cursor of the next (older) page, null when there is none
     * @param scanLimitReached with an instance filter: the call looked at {@code EVENTS_INSTANCE_SCAN} events and
     *                         found fewer than a page of the instance's; older ones may follow from
     *                         {@code nextBefore}
     */
    public record Page(List<EventView> events, Long nextBefore, boolean scanLimitReached) {
    }

    /**
     * One stored event as the console shows it.
     *
     * @param waitingForBroker the event is still in the outbox: not yet on its broker stream
     * @param summary          what it was about in one line, or null ({@link EventSummaries})
     */
    public record EventView(long seq, String eventId, String eventType, String instance, String chatId,
                            String messageId, Instant receivedAt, boolean waitingForBroker, String summary) {
    }
}
