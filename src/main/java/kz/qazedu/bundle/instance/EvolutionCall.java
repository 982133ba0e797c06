package kz.qazedu.bundle.instance;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;

/**
 * One call of Evolution's instance or webhook API, made by the route {@code evolution-admin-call} with the global
 * key: the method, the path below {@code EVOLUTION_API_URL} (the instance name encoded as one path segment), and
 * the JSON body, if any.
 */
public record EvolutionCall(String method, String path, String body) {

    public static EvolutionCall get(String path) {
        return new EvolutionCall("GET", path, null);
    }

    public static EvolutionCall post(String path, String body) {
        return new EvolutionCall("POST", path, body);
    }

    public static EvolutionCall delete(String path) {
        return new EvolutionCall("DELETE", path, null);
    }

    /** {@code name} as one URL path segment. */
    public static String segment(String name) {
        return URLEncoder.encode(name, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
