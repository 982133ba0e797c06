package kz.qazedu.bundle.instance;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;

/**
 * What Evolution answered to an {@link EvolutionCall}: its status and JSON body, or the error that kept it from
 * answering. Evolution's errors read {@code {"status", "error", "response": {"message": <text or list>}}}.
 *
 * @param status null when there was no answer
 */
public record EvolutionAnswer(Integer status, JsonNode body, Throwable error) {

    private static final ObjectMapper JSON = new ObjectMapper();

    public static EvolutionAnswer of(int status, String body) {
        JsonNode tree;
        try {
            tree = body == null || body.isBlank() ? MissingNode.getInstance() : JSON.readTree(body);
        } catch (java.io.IOException notJson) {
            tree = JSON.getNodeFactory().textNode(body.length() > 300 ? body.substring(0, 300) + "…" : body);
        }
        return new EvolutionAnswer(status, tree, null);
    }

    public static EvolutionAnswer failed(Throwable error) {
        return new EvolutionAnswer(null, MissingNode.getInstance(), error);
    }

    public boolean answered() {
        return status != null;
    }

    public boolean succeeded() {
        return status != null && status >= 200 && status < 300;
    }

    /** No answer because the connection timed out (as opposed to being refused or unresolvable). */
    public boolean timedOut() {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SocketTimeoutException || t.getClass().getSimpleName().contains("Timeout")) {
                return true;
            }
            if (t instanceof ConnectException || t instanceof UnknownHostException || t instanceof NoRouteToHostException) {
                return false;
            }
        }
        return false;
    }

    /** Evolution's error messages, joined; or what kept it from answering. */
    public String message() {
        if (error != null) {
            return error.getClass().getSimpleName() + (error.getMessage() == null ? "" : ": " + error.getMessage());
        }
        JsonNode message = body.path("response").path("message");
        List<String> parts = new ArrayList<>();
        if (message.isArray()) {
            message.forEach(m -> parts.add(m.isTextual() ? m.asText() : m.toString()));
        } else if (!message.isMissingNode() && !message.isNull()) {
            parts.add(message.isTextual() ? message.asText() : message.toString());
        } else if (body.path("message").isTextual()) {
            parts.add(body.path("message").asText());
        }
        String text = parts.isEmpty() ? "no message" : String.join("; ", parts);
        return text.length() > 500 ? text.substring(0, 500) + "…" : text;
    }
}
