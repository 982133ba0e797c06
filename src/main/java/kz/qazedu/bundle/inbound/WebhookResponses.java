package kz.qazedu.bundle.inbound;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

/**
 * The intake's answers, always JSON: 202 for a new event, 200 for a duplicate, the rejection's status for bad
 * input, 503 when the event could not be made durable (so that Evolution retries).
 */
@Component("webhookResponses")
public class WebhookResponses {

    private final ObjectMapper json;

    public WebhookResponses(ObjectMapper json) {
        this.json = json;
    }

    public HttpReply accepted(EventJournal.JournalReceipt receipt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", receipt.duplicate() ? "duplicate" : "accepted");
        body.put("eventId", receipt.eventId());
        return new HttpReply(receipt.duplicate() ? 200 : 202, write(body));
    }

    public HttpReply rejected(WebhookRejectedException rejection) {
        if (!rejection.fields().isEmpty()) {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("error", rejection.code());
            body.put("message", rejection.getMessage());
            body.put("fields", rejection.fields());
            return new HttpReply(rejection.status(), write(body));
        }
        return error(rejection.status(), rejection.code(), rejection.getMessage());
    }

    public HttpReply unavailable(Exception cause) {
        return error(503, "unavailable", "the event could not be stored durably; send it again");
    }

    public HttpReply error(int status, String code, String message) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("error", code);
        body.put("message", message);
        return new HttpReply(status, write(body));
    }

    private String write(Map<String, Object> body) {
        try {
            return json.writeValueAsString(body);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** A status code and its JSON body. */
    public record HttpReply(int status, String json) {
    }
}
