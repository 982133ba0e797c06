package kz.qazedu.bundle.inbound;

import static kz.qazedu.bundle.event.EventTypes.MESSAGES_DELETE;
import static kz.qazedu.bundle.event.EventTypes.MESSAGES_EDITED;
import static kz.qazedu.bundle.event.EventTypes.MESSAGES_UPDATE;
import static kz.qazedu.bundle.event.EventTypes.MESSAGES_UPSERT;
import static kz.qazedu.bundle.event.EventTypes.SEND_MESSAGE;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.edge.InvalidFieldsException;
import kz.qazedu.bundle.whatsapp.Jids;

/**
 * What makes two webhooks the same event, so that Evolution's retries and WhatsApp's re-deliveries become one
 * record while a new occurrence stays a new event:
 * <ul>
 *   <li>a message ({@code messages.upsert}, {@code send.message}): instance + {@code key.id} + {@code key.fromMe}
 *       (WhatsApp re-delivers a message with a new {@code date_time}: still one message);</li>
 *   <li>a status update ({@code messages.update}): instance + {@code keyId} + {@code status};</li>
 *   <li>anything else (connection, QR code, presence, chats, contacts, labels, calls, unknown events): its
 *       canonical body with {@code date_time} but without the fields that differ between the per-instance and
 *       the global webhook ({@code destination}, {@code server_url}, {@code apikey}, {@code sender}). Evolution
 *       re-POSTs the identical body on a retry, and gives a new occurrence a new {@code date_time}: the same
 *       {@code open} after a reconnection is a new event.</li>
 * </ul>
 * The parts of an identity are written with their lengths, so no choice of names can make two identities collide
 * (instance {@code a|b} with id {@code c} and instance {@code a} with id {@code b|c} are two). The event id is a
 * digest of the identity: stable, so it serves as the id of every later delivery of the event.
 */
public record EventIdentity(String eventId, String chatId, String messageId) {

    /** Envelope fields that differ between the per-instance and the global webhook of one event. */
    private static final Set<String> ENVELOPE_PER_DESTINATION = Set.of("destination", "server_url", "apikey", "sender");
    private static final HexFormat HEX = HexFormat.of();

    /** Events about one WhatsApp message, whose ids and chat must be valid. */
    private static final Set<String> MESSAGE_EVENTS =
            Set.of(MESSAGES_UPSERT, SEND_MESSAGE, MESSAGES_UPDATE, MESSAGES_DELETE, MESSAGES_EDITED);

    /**
     * @throws InvalidFieldsException 400 naming the fields of a message event that are not valid identifiers
     */
    public static EventIdentity of(String event, String instance, JsonNode root) {
        JsonNode data = root.path("data");
        JsonNode key = data.path("key");
        Map<String, String> problems = new LinkedHashMap<>();
        String chatId = null;
        String messageId = null;
        if (data.isObject()) {
            String prefix = key.isObject() ? "data.key." : "data.";
            JsonNode holder = key.isObject() ? key : data;
            chatId = Jids.preferPhone(
                    valid(Identifiers.JID, prefix + "remoteJid", holder.path("remoteJid"), problems),
                    valid(Identifiers.JID, prefix + "remoteJidAlt", holder.path("remoteJidAlt"), problems));
            messageId = firstNonNull(
                    valid(Identifiers.MESSAGE_ID, "data.key.id", key.path("id"), problems),
                    valid(Identifiers.MESSAGE_ID, "data.keyId", data.path("keyId"), problems),
                    valid(Identifiers.MESSAGE_ID, "data.id", data.path("id"), problems));
            if (MESSAGES_UPDATE.equals(event)) {
                valid(Identifiers.STATUS, "data.status", data.path("status"), problems);
            }
        }
        if (!problems.isEmpty() && MESSAGE_EVENTS.contains(event)) {
            throw new InvalidFieldsException(problems);
        }

        MessageDigest digest = sha256Digest();
        if ((MESSAGES_UPSERT.equals(event) || SEND_MESSAGE.equals(event)) && key.path("id").isTextual()) {
            part(digest, "message");
            part(digest, event);
            part(digest, instance);
            part(digest, key.path("id").asText());
            part(digest, String.valueOf(key.path("fromMe").asBoolean(false)));
        } else if (MESSAGES_UPDATE.equals(event) && data.path("keyId").isTextual() && data.hasNonNull("status")) {
            part(digest, "status");
            part(digest, instance);
            part(digest, data.path("keyId").asText());
            part(digest, data.path("status").asText());
        } else {
            part(digest, "body");
            part(digest, event);
            part(digest, instance);
            canonicalizeEnvelope(root, digest);
        }
        return new EventIdentity("evt_" + HEX.formatHex(digest.digest(), 0, 16), chatId, messageId);
    }

    /** The node's text when it is a valid identifier; a problem is noted when it is a string but not valid. */
    private static String valid(Identifiers kind, String field, JsonNode node, Map<String, String> problems) {
        if (!node.isTextual() || node.asText().isBlank()) {
            return null;
        }
        String problem = kind.problem(node.asText());
        if (problem != null) {
            problems.putIfAbsent(field, problem);
            return null;
        }
        return node.asText();
    }

    private static String firstNonNull(String... values) {
        for (String value : values) {
            if (value != null) {
                return value;
            }
        }
        return null;
    }

    /** One part of an identity: its length in bytes, then its bytes. */
    private static void part(MessageDigest digest, String value) {
        byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
        digest.update(ByteBuffer.allocate(4).putInt(bytes.length).array());
        digest.update(bytes);
    }

    private static void canonicalizeEnvelope(JsonNode root, MessageDigest digest) {
        List<String> fields = new ArrayList<>();
        root.fieldNames().forEachRemaining(fields::add);
        fields.removeAll(ENVELOPE_PER_DESTINATION);
        Collections.sort(fields);
        digest.update((byte) '{');
        for (String field : fields) {
            part(digest, field);
            canonicalize(root.get(field), digest);
        }
        digest.update((byte) '}');
    }

    /** The node's JSON with object fields in name order; strings and names length-prefixed. */
    private static void canonicalize(JsonNode node, MessageDigest digest) {
        if (node.isObject()) {
            List<String> fields = new ArrayList<>();
            node.fieldNames().forEachRemaining(fields::add);
            Collections.sort(fields);
            digest.update((byte) '{');
            for (String field : fields) {
                part(digest, field);
                canonicalize(node.get(field), digest);
            }
            digest.update((byte) '}');
        } else if (node.isArray()) {
            digest.update((byte) '[');
            for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
                canonicalize(it.next(), digest);
                digest.update((byte) ',');
            }
            digest.update((byte) ']');
        } else if (node.isTextual()) {
            digest.update((byte) 's');
            part(digest, node.asText());
        } else {
            digest.update((byte) 'v');
            part(digest, node.toString());
        }
    }

    private static MessageDigest sha256Digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
