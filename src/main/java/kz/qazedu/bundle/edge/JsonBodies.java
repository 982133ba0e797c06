package kz.qazedu.bundle.edge;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.springframework.stereotype.Component;

/**
 * Reads a request body as JSON the way every route of the bundle needs it: strict UTF-8, one JSON value and
 * nothing after it, nested at most {@code JSON_MAX_DEPTH} levels, and no string PostgreSQL could not store
 * (the NUL character, an unpaired UTF-16 surrogate). Each problem is a 400 that says what is wrong, decided here
 * once instead of as a failure deeper down that the sender would be told to retry.
 */
@Component("jsonBodies")
public class JsonBodies {

    private static final byte[] UTF8_BOM = {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF};

    private final ObjectMapper json;
    private final int maxDepth;

    public JsonBodies(ObjectMapper json, HttpLimits limits) {
        this.maxDepth = limits.maxJsonDepth();
        long maxBodyBytes = Math.max(limits.maxBodyBytes(), limits.apiMaxBodyBytes());
        this.json = json.copy().enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);
        this.json.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxNestingDepth(maxDepth)
                // base64 media bodies hold one string of nearly the whole body
                .maxStringLength((int) Math.min(Integer.MAX_VALUE, maxBodyBytes))
                .build());
    }

    /** A body read as JSON: its text (exactly as sent, without a byte order mark) and its tree. */
    public record Parsed(String text, JsonNode tree) {
    }

    /**
     * @throws RequestRejectedException 400 {@code empty_body}, {@code invalid_encoding}, {@code invalid_json} or
     *         {@code unstorable_payload}
     */
    public Parsed parse(byte[] body) {
        if (body == null || body.length == 0) {
            throw RequestRejectedException.badRequest("empty_body", "request body is empty; expected JSON");
        }
        String text = decodeUtf8(body);
        JsonNode tree;
        try {
            tree = json.readTree(text);
        } catch (StreamConstraintsException e) {
            throw RequestRejectedException.badRequest("invalid_json",
                    "JSON is nested deeper than " + maxDepth + " levels or holds a value too long (JSON_MAX_DEPTH, MAX_BODY_BYTES)");
        } catch (JsonProcessingException e) {
            throw RequestRejectedException.badRequest("invalid_json", "body is not valid JSON: " + e.getOriginalMessage()
                    + (e.getLocation() == null ? ""
                    : " (line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr() + ")"));
        }
        if (tree == null || tree.isMissingNode()) {
            throw RequestRejectedException.badRequest("empty_body", "request body holds no JSON value");
        }
        requireStorableStrings(tree);
        return new Parsed(text, tree);
    }

    /** The body as UTF-8 text, refusing anything that is not UTF-8 (UTF-16, Latin-1, broken sequences). */
    private static String decodeUtf8(byte[] body) {
        int offset = startsWithBom(body) ? UTF8_BOM.length : 0;
        try {
            CharBuffer chars = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body, offset, body.length - offset));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw RequestRejectedException.badRequest("invalid_encoding", "body is not valid UTF-8");
        }
    }

    private static boolean startsWithBom(byte[] body) {
        return body.length >= 3 && body[0] == UTF8_BOM[0] && body[1] == UTF8_BOM[1] && body[2] == UTF8_BOM[2];
    }

    /** Every string and field name must be storable as PostgreSQL text and jsonb. */
    private static void requireStorableStrings(JsonNode tree) {
        Deque<JsonNode> pending = new ArrayDeque<>();
        pending.push(tree);
        while (!pending.isEmpty()) {
            JsonNode node = pending.pop();
            if (node.isTextual()) {
                requireStorable(node.textValue());
            } else if (node.isObject()) {
                for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
                    Map.Entry<String, JsonNode> field = it.next();
                    requireStorable(field.getKey());
                    pending.push(field.getValue());
                }
            } else if (node.isArray()) {
                node.forEach(pending::push);
            }
        }
    }

    private static void requireStorable(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == 0) {
                throw RequestRejectedException.badRequest("unstorable_payload",
                        "a string holds the NUL character (\\u0000), which cannot be stored");
            }
            if (Character.isSurrogate(c)) {
                if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                    i++;
                } else {
                    throw RequestRejectedException.badRequest("unstorable_payload",
                            "a string holds an unpaired UTF-16 surrogate, which cannot be stored");
                }
            }
        }
    }
}
