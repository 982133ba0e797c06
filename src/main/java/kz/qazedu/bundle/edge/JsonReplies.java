package kz.qazedu.bundle.edge;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

/**
 * The JSON bodies of the bundle's refusals and failures: {@code {"error": <code>, "message": <what is wrong>}},
 * with {@code fields} when named fields are wrong, and for a failure inside the bundle only a fixed message and a
 * {@code correlationId} that the log holds with the cause. No SQL state, exception class or stack trace is ever
 * in an answer.
 */
@Component("jsonReplies")
public class JsonReplies {

    public static final String CONTENT_TYPE = "application/json";

    private final ObjectMapper json;

    public JsonReplies(ObjectMapper json) {
        this.json = json;
    }

    public String error(String code, String message) {
        return error(code, message, Map.of());
    }

    public String error(String code, String message, Map<String, String> fields) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        if (!fields.isEmpty()) {
            body.put("fields", fields);
        }
        return write(body);
    }

    /** 500: the bundle failed; nothing the caller sent explains it. */
    public String internalError(String correlationId) {
        return failure("internal_error", "the request could not be handled; quote the correlation id to support",
                correlationId);
    }

    /** 503: a dependency (PostgreSQL, the intake's writer) is unavailable; the caller should send it again. */
    public String unavailable(String message, String correlationId) {
        return failure("unavailable", message, correlationId);
    }

    private String failure(String code, String message, String correlationId) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        body.put("correlationId", correlationId);
        return write(body);
    }

    public String write(Map<String, ?> body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
