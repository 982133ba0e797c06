package kz.qazedu.bundle.support;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * The Evolution API v2 webhook bodies under {@code src/test/resources/evolution-samples} (a copy of the shared
 * samples, checked against them by {@code EvolutionSamplesTest}), loaded as editable JSON.
 */
public final class EvolutionSamples {

    public static final ObjectMapper JSON = new ObjectMapper();
    public static final String FOLDER = "evolution-samples";

    private EvolutionSamples() {
    }

    public static List<String> names() {
        try (Stream<Path> files = Files.list(folder())) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".json")).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static Path folder() {
        try {
            return Path.of(EvolutionSamples.class.getClassLoader().getResource(FOLDER).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The sample as JSON, with its {@code instance} replaced so that a test sees only its own events. */
    public static ObjectNode sample(String name, String instance) {
        ObjectNode body = sample(name);
        body.put("instance", instance);
        return body;
    }

    public static ObjectNode sample(String name) {
        try (InputStream in = EvolutionSamples.class.getClassLoader().getResourceAsStream(FOLDER + "/" + name)) {
            if (in == null) {
                throw new IllegalArgumentException("no sample " + name);
            }
            return (ObjectNode) JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The body as the bundle stores and streams it: Evolution's instance API key and media keys redacted. */
    public static ObjectNode asStored(ObjectNode body) {
        ObjectNode stored = body.deepCopy();
        if (stored.path("apikey").isTextual()) {
            stored.put("apikey", "[redacted]");
        }
        stored.findParents("mediaKey").forEach(parent -> ((ObjectNode) parent).put("mediaKey", "[redacted]"));
        return stored;
    }

    /** A text message of {@code instance} in {@code chat} (a phone JID, no LID) with its own id and text. */
    public static ObjectNode textMessage(String instance, String chat, String id, String text) {
        ObjectNode body = sample("messages.upsert.text.json", instance);
        ((ObjectNode) body.path("data").path("key")).put("remoteJid", chat).put("id", id).remove("remoteJidAlt");
        ((ObjectNode) body.path("data").path("message")).put("conversation", text);
        return body;
    }

    /** A new WhatsApp-like message id ({@code 3EB0} and 16 hex digits). */
    public static String newMessageId() {
        return "3EB0" + UUID.randomUUID().toString().replace("-", "").substring(0, 16).toUpperCase();
    }

    /** {@code text} as JSON, for a test that has read it from a response or a message. */
    public static com.fasterxml.jackson.databind.JsonNode json(String text) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String uniqueInstance() {
        return "test-" + UUID.randomUUID().toString().substring(0, 8);
    }
}
