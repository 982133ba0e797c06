package kz.qazedu.bundle.edge;

import java.util.List;
import java.util.Map;

import io.netty.handler.codec.http.QueryStringDecoder;

/**
 * A GET request's query string, read against the parameters an endpoint knows: a parameter it does not know, or one
 * given more than once, is a problem named after the parameter (the caller answers them all at once, 400).
 */
public final class QueryParameters {

    private final Map<String, List<String>> values;

    private QueryParameters(Map<String, List<String>> values) {
        this.values = values;
    }

    /**
     * @param query    the request's query string, as sent (null when none)
     * @param known    the parameters the endpoint takes
     * @param problems where an unknown or repeated parameter is put, by name
     */
    public static QueryParameters read(String query, List<String> known, Map<String, String> problems) {
        Map<String, List<String>> values = new QueryStringDecoder(query == null ? "" : query, false).parameters();
        values.forEach((name, given) -> {
            if (!known.contains(name)) {
                problems.put(name, "unknown parameter; expected " + String.join(", ", known));
            } else if (given.size() > 1) {
                problems.put(name, "given more than once");
            }
        });
        return new QueryParameters(values);
    }

    /** The parameter's value as given (empty when written as {@code name=}), or null when absent. */
    public String get(String name) {
        List<String> given = values.get(name);
        return given == null || given.isEmpty() ? null : given.get(0);
    }
}
