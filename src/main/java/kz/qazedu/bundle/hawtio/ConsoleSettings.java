package kz.qazedu.bundle.hawtio;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.edge.HttpReply;
import org.springframework.stereotype.Component;

/**
 * {@code GET /api/v1/console}: what the console needs to know beyond the API, the link to Hawtio
 * ({@code HAWTIO_PUBLIC_URL} while Hawtio is served, else null).
 */
@Component("consoleSettings")
public class ConsoleSettings {

    private final HawtioSettings hawtio;
    private final ObjectMapper json;

    public ConsoleSettings(HawtioSettings hawtio, ObjectMapper json) {
        this.hawtio = hawtio;
        this.json = json;
    }

    public HttpReply reply() throws JsonProcessingException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("hawtioUrl", hawtio.enabled() ? hawtio.publicUrl() : null);
        return new HttpReply(200, json.writeValueAsString(body));
    }
}
