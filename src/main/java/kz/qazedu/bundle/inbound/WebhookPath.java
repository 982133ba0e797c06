package kz.qazedu.bundle.inbound;

import kz.qazedu.bundle.edge.RequestRejectedException;

/**
 * The parts of a webhook URL below {@code /webhook/evolution}:
 * <ul>
 *   <li>{@code /webhook/evolution}</li>
 *   <li>{@code /webhook/evolution/<event-suffix>} (Evolution's "webhook by events" mode)</li>
 *   <li>{@code /webhook/evolution/key/<token>} and {@code /webhook/evolution/key/<token>/<event-suffix>}
 *       (global webhooks, which carry no headers)</li>
 * </ul>
 */
public record WebhookPath(String token, String eventSuffix) {

    public static final String BASE = "/webhook/evolution";
    private static final String KEY_SEGMENT = "key";

    public static WebhookPath parse(String path) {
        String rest = path == null ? "" : path;
        int base = rest.indexOf(BASE);
        if (base >= 0) {
            rest = rest.substring(base + BASE.length());
        }
        int query = rest.indexOf('?');
        if (query >= 0) {
            rest = rest.substring(0, query);
        }
        String[] segments = rest.isEmpty() || rest.equals("/")
                ? new String[0]
                : stripSlashes(rest).split("/", -1);
        for (String segment : segments) {
            if (segment.isEmpty()) {
                throw notFound();
            }
        }
        if (segments.length == 0) {
            return new WebhookPath(null, null);
        }
        if (!KEY_SEGMENT.equals(segments[0])) {
            if (segments.length == 1) {
                return new WebhookPath(null, segments[0]);
            }
            throw notFound();
        }
        return switch (segments.length) {
            case 2 -> new WebhookPath(segments[1], null);
            case 3 -> new WebhookPath(segments[1], segments[2]);
            default -> throw notFound();
        };
    }

    /** Whether the "webhook by events" suffix names the same event as the body (Evolution: dots become dashes). */
    public boolean suffixMatches(String event) {
        return eventSuffix == null || kebab(eventSuffix).equals(kebab(event));
    }

    private static String kebab(String name) {
        return name.toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9]+", "-");
    }

    private static String stripSlashes(String path) {
        String trimmed = path.startsWith("/") ? path.substring(1) : path;
        return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }

    private static RequestRejectedException notFound() {
        return new RequestRejectedException(404, "not_found",
                "unknown webhook path; use " + BASE + ", " + BASE + "/<event>, " + BASE + "/key/<token> or "
                        + BASE + "/key/<token>/<event>");
    }
}
