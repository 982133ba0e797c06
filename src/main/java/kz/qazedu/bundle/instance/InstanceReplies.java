package kz.qazedu.bundle.instance;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.edge.HttpReply;
import kz.qazedu.bundle.edge.JsonReplies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** What the instances API answers when Evolution does not do what it was asked, and the QR code as the API shows it. */
@Component
class InstanceReplies {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceReplies.class);

    private final JsonReplies replies;
    private final ObjectMapper json;

    InstanceReplies(JsonReplies replies, ObjectMapper json) {
        this.replies = replies;
        this.json = json;
    }

    HttpReply of(int status, String code, String message) {
        return new HttpReply(status, replies.error(code, message));
    }

    HttpReply reply(int status, String body) {
        return new HttpReply(status, body);
    }

    /** Evolution did not do it: 502 it answered with an error, 503 not reachable, 504 no answer in time. */
    HttpReply failure(EvolutionAnswer answer, String what) {
        if (!answer.answered()) {
            LOG.warn("Evolution did not answer when asked to {}: {}", what, answer.message());
            return answer.timedOut()
                    ? of(504, "evolution_timeout", "Evolution did not answer in time when asked to " + what)
                    : of(503, "evolution_unreachable", "Evolution cannot be reached (EVOLUTION_API_URL) to " + what);
        }
        if (answer.status() == 401 || answer.status() == 403) {
            return of(502, "evolution_refused_key",
                    "Evolution refused the bundle's key (EVOLUTION_API_KEY) when asked to " + what);
        }
        LOG.warn("Evolution answered {} when asked to {}: {}", answer.status(), what, answer.message());
        return of(502, "evolution_failed", "Evolution answered " + answer.status() + " when asked to " + what + ": "
                + answer.message());
    }

    HttpReply unknown(String name) {
        return of(404, "unknown_instance", "Evolution has no instance named '" + name + "'");
    }

    /** {@code {code, base64, pairingCode, count}} of Evolution's QR snapshot, or null when it holds no code yet. */
    ObjectNode qrCodeOf(JsonNode qr) {
        String code = textOrNull(qr.path("code"));
        String base64 = textOrNull(qr.path("base64"));
        if (code == null && base64 == null) {
            return null;
        }
        ObjectNode qrcode = json.createObjectNode();
        qrcode.put("code", code);
        qrcode.put("base64", base64);
        qrcode.put("pairingCode", textOrNull(qr.path("pairingCode")));
        qrcode.put("count", qr.path("count").asInt(0));
        return qrcode;
    }

    static String textOrNull(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
    }
}
