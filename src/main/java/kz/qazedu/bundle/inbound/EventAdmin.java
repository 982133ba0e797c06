package kz.qazedu.bundle.inbound;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.edge.HttpReply;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.edge.InvalidFieldsException;
import kz.qazedu.bundle.edge.QueryParameters;
import org.springframework.stereotype.Component;

/**
 * {@code GET /api/v1/events?limit=&instance=&before=}: the latest stored events, newest first, a page at a time
 * ({@link LatestEvents}). Every parameter is checked before the journal is read; a wrong one is a 400 naming it.
 */
@Component("eventAdmin")
public class EventAdmin {

    private static final List<String> PARAMETERS = List.of("limit", "instance", "before");

    private final LatestEvents events;
    private final LatestEventsSettings settings;
    private final ObjectMapper json;

    public EventAdmin(LatestEvents events, LatestEventsSettings settings, ObjectMapper json) {
        this.events = events;
        this.settings = settings;
        this.json = json;
    }

    /** @param query the request's query string, as sent */
    public HttpReply list(String query) throws JsonProcessingException {
        Map<String, String> problems = new LinkedHashMap<>();
        QueryParameters parameters = QueryParameters.read(query, PARAMETERS, problems);
        String limitText = given(parameters, "limit");
        int limit = settings.pageSize();
        if (limitText != null) {
            Integer parsed = number(limitText, settings.maxPageSize());
            if (parsed == null) {
                problems.putIfAbsent("limit", "must be a whole number from 1 to " + settings.maxPageSize()
                        + " (EVENTS_MAX_PAGE_SIZE)");
            } else {
                limit = parsed;
            }
        }
        String instance = given(parameters, "instance");
        if (instance != null) {
            Identifiers.INSTANCE.check("instance", instance, problems);
        }
        String beforeText = given(parameters, "before");
        Long before = null;
        if (beforeText != null) {
            before = cursor(beforeText);
            if (before == null) {
                problems.putIfAbsent("before", "must be an event's seq, a whole number above 0 (a page's nextBefore)");
            }
        }
        if (!problems.isEmpty()) {
            throw new InvalidFieldsException(problems);
        }

        LatestEvents.Page page = events.page(limit, instance, before);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("events", page.events());
        body.put("nextBefore", page.nextBefore());
        body.put("limit", limit);
        body.put("instance", instance);
        body.put("instanceScan", instance == null ? null : settings.instanceScan());
        body.put("scanLimitReached", page.scanLimitReached());
        return new HttpReply(200, json.writeValueAsString(body));
    }

    /** A parameter's value; an empty one counts as not given. */
    private static String given(QueryParameters parameters, String name) {
        String value = parameters.get(name);
        return value == null || value.isEmpty() ? null : value;
    }

    private static Integer number(String text, int max) {
        if (!text.matches("[0-9]{1,9}")) {
            return null;
        }
        int value = Integer.parseInt(text);
        return value >= 1 && value <= max ? value : null;
    }

    private static Long cursor(String text) {
        if (!text.matches("[0-9]{1,18}")) {
            return null;
        }
        long value = Long.parseLong(text);
        return value >= 1 ? value : null;
    }
}
