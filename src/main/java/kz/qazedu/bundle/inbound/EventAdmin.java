package kz.qazedu.bundle.inbound;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.netty.handler.codec.http.QueryStringDecoder;
import kz.qazedu.bundle.edge.HttpReply;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.edge.InvalidFieldsException;
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
        Map<String, List<String>> parameters = new QueryStringDecoder(query == null ? "" : query, false).parameters();
        Map<String, String> problems = new LinkedHashMap<>();
        parameters.forEach((name, values) -> {
            if (!PARAMETERS.contains(name)) {
                problems.put(name, "unknown parameter; expected " + String.join(", ", PARAMETERS));
            } else if (values.size() > 1) {
                problems.put(name, "given more than once");
            }
        });
        String limitText = first(parameters, "limit");
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
        String instance = first(parameters, "instance");
        if (instance != null) {
            Identifiers.INSTANCE.check("instance", instance, problems);
        }
        String beforeText = first(parameters, "before");
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
    private static String first(Map<String, List<String>> parameters, String name) {
        List<String> values = parameters.get(name);
        return values == null || values.isEmpty() || values.get(0).isEmpty() ? null : values.get(0);
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
