package kz.qazedu.bundle.inbound;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * What makes two webhooks the same event, so that Evolution's retries and WhatsApp's re-deliveries become one
 * record:
 * <ul>
 *   <li>a message ({@code messages.upsert}, {@code send.message}): instance + {@code key.id} + {@code key.fromMe};</li>
 *   <li>a status update ({@code messages.update}): instance + {@code keyId} + {@code status};</li>
 *   <li>anything else: a hash of its canonical body without the envelope fields that change between deliveries
 *       ({@code date_time}, {@code destination}, {@code server_url}, {@code apikey}, {@code sender}).</li>
 * </ul>
 * The event id is a digest of that key: stable, so it can serve as the id of every later delivery of the event.
 */
public record EventIdentity(String eventId, String chatId, String messageId) {

    public static final String MESSAGES_UPSERT = "messages.upsert";
    public static final String SEND_MESSAGE = "send.message";
    public static final String MESSAGES_UPDATE = "messages.update";

    private static final Set<String> VOLATILE_ENVELOPE_FIELDS =
            Set.of("date_time", "destination", "server_url", "apikey", "sender");
    private static final HexFormat HEX = HexFormat.of();

    public static EventIdentity of(String event, String instance, JsonNode root) {
        JsonNode data = root.path("data");
        JsonNode key = data.path("key");
        String chatId = chatOf(data, key);
        String messageId = firstText(key.path("id"), data.path("keyId"), data.path("id"));
        if (!data.isObject()) {
            messageId = null;
        }

        String dedupKey;
        if ((MESSAGES_UPSERT.equals(event) || SEND_MESSAGE.equals(event)) && key.path("id").isTextual()) {
            dedupKey = String.join("|", "message", event, instance, key.path("id").asText(),
                    String.valueOf(key.path("fromMe").asBoolean(false)));
        } else if (MESSAGES_UPDATE.equals(event) && data.path("keyId").isTextual() && data.hasNonNull("status")) {
            dedupKey = String.join("|", "status", instance, data.path("keyId").asText(), data.path("status").asText());
        } else {
            dedupKey = String.join("|", "body", event, instance, canonicalHash(root));
        }
        return new EventIdentity("evt_" + HEX.formatHex(sha256(dedupKey.getBytes(StandardCharsets.UTF_8)), 0, 16),
                chatId, messageId);
    }

    private static String chatOf(JsonNode data, JsonNode key) {
        if (!data.isObject()) {
            return null;
        }
        JsonNode holder = key.isObject() ? key : data;
        return Jids.preferPhone(text(holder.path("remoteJid")), text(holder.path("remoteJidAlt")));
    }

    private static String firstText(JsonNode... nodes) {
        for (JsonNode node : nodes) {
            if (node.isTextual() && !node.asText().isBlank()) {
                return node.asText();
            }
        }
        return null;
    }

    private static String text(JsonNode node) {
        return node.isTextual() ? node.asText() : null;
    }

    private static String canonicalHash(JsonNode root) {
        MessageDigest digest = sha256Digest();
        List<String> fields = new ArrayList<>();
        root.fieldNames().forEachRemaining(fields::add);
        Collections.sort(fields);
        digest.update((byte) '{');
        for (String field : fields) {
            if (!VOLATILE_ENVELOPE_FIELDS.contains(field)) {
                digest.update(field.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) ':');
                canonicalize(root.get(field), digest);
                digest.update((byte) ',');
            }
        }
        digest.update((byte) '}');
        return HEX.formatHex(digest.digest());
    }

    private static void canonicalize(JsonNode node, MessageDigest digest) {
        if (node.isObject()) {
            List<String> fields = new ArrayList<>();
            node.fieldNames().forEachRemaining(fields::add);
            Collections.sort(fields);
            digest.update((byte) '{');
            for (String field : fields) {
                digest.update(field.getBytes(StandardCharsets.UTF_8));
                digest.update((byte) ':');
                canonicalize(node.get(field), digest);
                digest.update((byte) ',');
            }
            digest.update((byte) '}');
        } else if (node.isArray()) {
            digest.update((byte) '[');
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                canonicalize(it.next(), digest);
                digest.update((byte) ',');
            }
            digest.update((byte) ']');
        } else {
            digest.update(node.toString().getBytes(StandardCharsets.UTF_8));
        }
    }

    private static byte[] sha256(byte[] input) {
        return sha256Digest().digest(input);
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
