package kz.qazedu.bundle.outbound;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;

/**
 * What Evolution's answer to {@code POST /message/sendText|sendMedia/{instance}} means for the message. The line
 * that matters is whether the message may already have gone out: only when it certainly has not (no connection
 * was made, Evolution said it could not send, the instance is disconnected) is sending again safe. An answer
 * that was lost after the request left, such as a read timeout, is {@link EvolutionOutcome.Kind#UNKNOWN}, because
 * retrying it could deliver the message twice.
 *
 * <p>Evolution reports errors as {@code {"status": 400, "error": "Bad Request", "response": {"message": m}}},
 * where {@code m} is a string, an array of strings (sometimes nested) or an array of objects, such as
 * {@code {"jid": ..., "exists": false, "number": ...}} for a number that has no WhatsApp account.
 */
public final class EvolutionAnswers {

    static final int REASON_MAX = 500;

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern INVISIBLE_HTML = Pattern.compile(
            "<(head|script|style)\\b.*?</\\1\\s*>", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
    private static final Pattern TAG = Pattern.compile("<[^>]*>");
    private static final Pattern WHITESPACE = Pattern.compile("\\s+");

    private EvolutionAnswers() {
    }

    /** An HTTP answer was received. */
    public static EvolutionOutcome classify(int httpStatus, String body) {
        JsonNode json = read(body);
        if (httpStatus >= 200 && httpStatus < 300) {
            String id = json == null ? null : textOf(json.path("key").path("id"));
            return id != null
                    ? new EvolutionOutcome(EvolutionOutcome.Kind.SENT, id, null)
                    : outcome(EvolutionOutcome.Kind.UNKNOWN, "Evolution answered " + httpStatus + " without a message id");
        }
        List<JsonNode> messages = json == null ? List.of() : messages(json);
        String evolutionSays = String.join("; ", texts(messages));
        String text = json == null ? plainText(body) : evolutionSays;

        if (httpStatus == 400) {
            List<String> missing = notOnWhatsApp(messages);
            if (!missing.isEmpty()) {
                return outcome(EvolutionOutcome.Kind.NOT_ON_WHATSAPP, "not on WhatsApp: " + String.join(", ", missing));
            }
        }
        if (httpStatus == 502 || httpStatus == 504) {
            // a proxy in front of Evolution gave up waiting or lost the connection: the request may have been sent
            return outcome(EvolutionOutcome.Kind.UNKNOWN, "Evolution answered " + httpStatus + detail(text));
        }
        if ((httpStatus == 400 || httpStatus >= 500) && text.toLowerCase(Locale.ROOT).contains("connection closed")) {
            return outcome(EvolutionOutcome.Kind.DISCONNECTED, "instance not connected: Connection Closed");
        }
        if (httpStatus == 401 || httpStatus == 403) {
            return outcome(EvolutionOutcome.Kind.CONFIGURATION_ERROR,
                    "Evolution refused the API key (" + httpStatus + ")" + detail(text));
        }
        if (httpStatus == 404) {
            return outcome(EvolutionOutcome.Kind.CONFIGURATION_ERROR,
                    "Evolution does not know this instance (404)" + detail(text));
        }
        if (httpStatus == 408 || httpStatus == 429 || (httpStatus >= 500 && httpStatus < 600)) {
            return outcome(EvolutionOutcome.Kind.RETRY, "Evolution answered " + httpStatus + detail(text));
        }
        if (httpStatus >= 400 && httpStatus < 500) {
            return outcome(EvolutionOutcome.Kind.REJECTED,
                    evolutionSays.isEmpty() ? "Evolution answered " + httpStatus + detail(text) : evolutionSays);
        }
        return outcome(EvolutionOutcome.Kind.UNKNOWN, "Evolution answered " + httpStatus + detail(text));
    }

    /**
     * No HTTP answer was received. Failures before the connection was made are worth a retry; any other failure
     * may have happened after Evolution got the request. An {@link HttpOperationFailedException} (Camel's HTTP
     * component with {@code throwExceptionOnFailure} left on) does carry an answer and is classified by it.
     */
    public static EvolutionOutcome classify(Throwable error) {
        Throwable innermost = error;
        for (Throwable cause : causes(error)) {
            if (cause instanceof HttpOperationFailedException failed) {
                return classify(failed.getStatusCode(), failed.getResponseBody());
            }
            if (nothingSent(cause)) {
                return outcome(EvolutionOutcome.Kind.RETRY, "Evolution not reachable: " + describe(cause));
            }
            innermost = cause;
        }
        return outcome(EvolutionOutcome.Kind.UNKNOWN,
                "no answer from Evolution after the request was sent" + (innermost == null ? "" : ": " + describe(innermost)));
    }

    /**
     * Whether the failure happened before the request could leave. {@link ConnectTimeoutException} is a
     * {@link java.net.SocketTimeoutException}, the same type as a read timeout, and
     * {@link ConnectionRequestTimeoutException} an {@link java.io.InterruptedIOException}: each is named by its own
     * class, never by a supertype, or a read timeout would pass for one of them.
     */
    private static boolean nothingSent(Throwable error) {
        return error instanceof ConnectTimeoutException
                || error instanceof ConnectionRequestTimeoutException
                || error instanceof ConnectException
                || error instanceof UnknownHostException
                || error instanceof NoRouteToHostException;
    }

    private static List<Throwable> causes(Throwable error) {
        List<Throwable> chain = new ArrayList<>();
        Set<Throwable> seen = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Throwable cause = error; cause != null && seen.add(cause); cause = cause.getCause()) {
            chain.add(cause);
        }
        return chain;
    }

    private static String describe(Throwable error) {
        String name = error.getClass().getSimpleName().isEmpty() ? error.getClass().getName() : error.getClass().getSimpleName();
        String message = error.getMessage();
        return message == null || message.isBlank() ? name : name + ": " + message;
    }

    /** The body as a JSON object, or null when it is empty or not a JSON object (an HTML error page, plain text). */
    private static JsonNode read(String body) {
        if (body == null || body.isBlank()) {
            return null;
        }
        try {
            JsonNode json = JSON.readTree(body);
            return json != null && json.isObject() ? json : null;
        } catch (JsonProcessingException e) {
            return null;
        }
    }

    /** {@code response.message} (Evolution) or a top-level {@code message}, flattened to its leaves. */
    private static List<JsonNode> messages(JsonNode json) {
        JsonNode message = json.path("response").path("message");
        if (message.isMissingNode() || message.isNull()) {
            message = json.path("message");
        }
        List<JsonNode> leaves = new ArrayList<>();
        flatten(message, leaves);
        return leaves;
    }

    private static void flatten(JsonNode node, List<JsonNode> leaves) {
        if (node.isArray()) {
            node.forEach(element -> flatten(element, leaves));
        } else if (!node.isMissingNode() && !node.isNull()) {
            leaves.add(node);
        }
    }

    private static List<String> texts(List<JsonNode> messages) {
        List<String> texts = new ArrayList<>();
        for (JsonNode message : messages) {
            String text = message.isContainerNode() ? message.toString() : message.asText().trim();
            if (!text.isEmpty()) {
                texts.add(text);
            }
        }
        return texts;
    }

    private static List<String> notOnWhatsApp(List<JsonNode> messages) {
        List<String> missing = new ArrayList<>();
        for (JsonNode message : messages) {
            JsonNode exists = message.path("exists");
            if (message.isObject() && exists.isBoolean() && !exists.booleanValue()) {
                String number = textOf(message.path("number"));
                String who = number != null ? number : textOf(message.path("jid"));
                missing.add(who != null ? who : message.toString());
            }
        }
        return missing;
    }

    /** What a person can read of a body that is not JSON: an HTML page without its markup, or the text itself. */
    private static String plainText(String body) {
        if (body == null) {
            return "";
        }
        String text = INVISIBLE_HTML.matcher(body).replaceAll(" ");
        text = TAG.matcher(text).replaceAll(" ");
        return WHITESPACE.matcher(text).replaceAll(" ").trim();
    }

    private static String textOf(JsonNode node) {
        if (node == null || !node.isValueNode() || node.isNull()) {
            return null;
        }
        String text = node.asText().trim();
        return text.isEmpty() ? null : text;
    }

    private static String detail(String text) {
        return text.isEmpty() ? "" : ": " + text;
    }

    private static EvolutionOutcome outcome(EvolutionOutcome.Kind kind, String reason) {
        return new EvolutionOutcome(kind, null, cap(reason));
    }

    private static String cap(String reason) {
        if (reason.length() <= REASON_MAX) {
            return reason;
        }
        int end = REASON_MAX - 1;
        if (Character.isHighSurrogate(reason.charAt(end - 1))) {
            end--;
        }
        return reason.substring(0, end) + "…";
    }
}
