package kz.qazedu.bundle.outbound;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.springframework.stereotype.Component;

/**
 * The call of Evolution's send API for a stored message: {@code sendText} or {@code sendMedia}, the instance in the
 * path, and the body with the number, the text or the media (type, URL, mimetype, caption, file name), the typing
 * delay as {@code delay}, and the quoted message when it is a reply.
 */
@Component("evolutionRequests")
public class EvolutionRequests {

    private final ObjectMapper json;

    public EvolutionRequests(ObjectMapper json) {
        this.json = json;
    }

    /**
     * @param message  the {@code outbound_message} row: id, instance, recipient, kind, text, media, reply_to
     * @param typingMs the typing delay Evolution shows before it sends
     * @param attempt  1 for the first call, then one more per retry
     */
    public SendJob job(Map<String, Object> message, long typingMs, int attempt) {
        String instance = (String) message.get("instance");
        return new SendJob((String) message.get("id"), instance,
                "text".equals(message.get("kind")) ? "sendText" : "sendMedia",
                URLEncoder.encode(instance, StandardCharsets.UTF_8).replace("+", "%20"),
                requestBody(message, typingMs), typingMs, attempt);
    }

    /** Evolution's sendText or sendMedia body. */
    private String requestBody(Map<String, Object> message, long typingMs) {
        ObjectNode body = json.createObjectNode();
        body.put("number", (String) message.get("recipient"));
        String text = (String) message.get("text");
        if ("text".equals(message.get("kind"))) {
            body.put("text", text);
        } else {
            JsonNode media = read((String) message.get("media"));
            body.put("mediatype", (String) message.get("kind"));
            if (media.hasNonNull("mimetype")) {
                body.put("mimetype", media.get("mimetype").asText());
            }
            if (text != null) {
                body.put("caption", text);
            }
            if (media.hasNonNull("fileName")) {
                body.put("fileName", media.get("fileName").asText());
            }
            body.put("media", media.path("url").asText());
        }
        body.put("delay", typingMs);
        if (message.get("reply_to") != null) {
            body.putObject("quoted").putObject("key").put("id", (String) message.get("reply_to"));
        }
        return body.toString();
    }

    private JsonNode read(String media) {
        try {
            return json.readTree(media);
        } catch (Exception e) {
            throw new IllegalStateException("stored media is not JSON", e);
        }
    }
}
