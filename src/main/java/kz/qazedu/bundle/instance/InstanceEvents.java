package kz.qazedu.bundle.instance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

/**
 * Reads {@code connection.update} and {@code qrcode.updated} into the named parameters of the instance SQL
 * ({@code sql/instance-*.sql}).
 */
@Component("instanceEvents")
public class InstanceEvents {

    private final ObjectMapper json;

    public InstanceEvents(ObjectMapper json) {
        this.json = json;
    }

    /** {@code data.state} is connecting, open, close or refused; {@code statusReason} a number (401 logged out). */
    public Map<String, Object> connectionOf(String payload) {
        JsonNode root = read(payload);
        JsonNode data = root.path("data");
        Map<String, Object> parameters = new HashMap<>();
        parameters.put("instance", root.path("instance").asText());
        parameters.put("state", textOrNull(data.path("state")));
        parameters.put("statusReason", data.path("statusReason").canConvertToInt() ? data.path("statusReason").asInt() : null);
        parameters.put("ownerJid", textOrNull(data.path("wuid")));
        parameters.put("profileName", textOrNull(data.path("profileName")));
        return parameters;
    }

    /**
     * {@code data.qrcode} holds {@code code}, {@code base64} and {@code pairingCode}; once Evolution's QR limit is
     * reached it holds {@code {message, statusCode}} instead, which counts as no new code.
     */
    public Map<String, Object> qrCodeOf(String payload) {
        JsonNode root = read(payload);
        JsonNode qr = root.path("data").path("qrcode");
        Map<String, Object> parameters = new HashMap<>();
        parameters.put("instance", root.path("instance").asText());
        parameters.put("hasCode", textOrNull(qr.path("code")) != null || textOrNull(qr.path("base64")) != null);
        parameters.put("pairingCode", textOrNull(qr.path("pairingCode")));
        return parameters;
    }

    private JsonNode read(String payload) {
        try {
            return json.readTree(payload);
        } catch (IOException e) {
            throw new UncheckedIOException("stored event is not JSON", e);
        }
    }

    private static String textOrNull(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
    }
}
