package kz.qazedu.bundle.inbound;

import static kz.qazedu.bundle.support.EvolutionSamples.JSON;
import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static kz.qazedu.bundle.support.WebhookClient.TOKEN;
import static kz.qazedu.bundle.support.WebhookClient.TOKEN_HEADER;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.Test;

/** routes/evolution-webhook-intake.camel.yaml: authentication, validation, durable storage, answers. */
class EvolutionWebhookIntakeTest extends IntegrationTest {

    private static final String JWT_SECRET = "test-jwt-secret-with-at-least-32-bytes!";

    @Test
    void everySampleBecomesExactlyOneStoredEvent() throws Exception {
        String instance = uniqueInstance();
        List<String> names = EvolutionSamples.names();
        assertThat(names).hasSizeGreaterThanOrEqualTo(20);

        for (String name : names) {
            ObjectNode body = sample(name, instance);
            Reply reply = webhooks.post(body);
            assertThat(reply.status()).as(name).isEqualTo(202);
            assertThat(reply.json().path("status").asText()).isEqualTo("accepted");
            String eventId = reply.json().path("eventId").asText();

            Map<String, Object> row = jdbc.queryForMap(
                    "select event_type, instance, payload::text as payload from inbound_event where event_id = ?", eventId);
            assertThat(row.get("event_type")).as(name).isEqualTo(body.path("event").asText());
            assertThat(row.get("instance")).isEqualTo(instance);
            assertThat(JSON.readTree((String) row.get("payload"))).as(name).isEqualTo(EvolutionSamples.asStored(body));
        }
        assertThat(count("select count(*) from inbound_event where instance = ?", instance)).isEqualTo(names.size());
    }

    @Test
    void anExactRetryIsAcknowledgedButStoredOnce() {
        ObjectNode body = sample("messages.upsert.text.json", uniqueInstance());

        Reply first = webhooks.post(body);
        Reply retry = webhooks.post(body);

        assertThat(first.status()).isEqualTo(202);
        assertThat(retry.status()).isEqualTo(200);
        assertThat(retry.json().path("status").asText()).isEqualTo("duplicate");
        assertThat(retry.json().path("eventId")).isEqualTo(first.json().path("eventId"));
        assertThat(count("select count(*) from inbound_event where instance = ?", body.path("instance").asText()))
                .isEqualTo(1);
    }

    @Test
    void aWhatsAppRedeliveryOfAMessageOrStatusWithANewDateTimeIsTheSameEvent() {
        String instance = uniqueInstance();
        for (String name : List.of("messages.upsert.text.json", "messages.update.read.multi-key-1of2.json")) {
            ObjectNode body = sample(name, instance);
            assertThat(webhooks.post(body).status()).isEqualTo(202);
            body.put("date_time", "2025-11-03T18:00:00.000Z");
            Reply redelivery = webhooks.post(body);
            assertThat(redelivery.status()).as(name).isEqualTo(200);
        }
        assertThat(count("select count(*) from inbound_event where instance = ?", instance)).isEqualTo(2);
    }

    @Test
    void anEventWithoutAnIdOfItsOwnIsNewAtANewDateTimeAndOneOnAnExactRetry() {
        String instance = uniqueInstance();
        for (String name : List.of("connection.update.open.json", "contacts.upsert.array.json", "presence.update.json")) {
            ObjectNode body = sample(name, instance);
            assertThat(webhooks.post(body).status()).as(name).isEqualTo(202);
            assertThat(webhooks.post(body).status()).as(name + " retried").isEqualTo(200);
            body.put("date_time", "2025-11-03T18:00:00.000Z");
            assertThat(webhooks.post(body).status()).as(name + " again later").isEqualTo(202);
            assertThat(webhooks.post(body).status()).as(name + " again later, retried").isEqualTo(200);
        }
        assertThat(count("select count(*) from inbound_event where instance = ?", instance)).isEqualTo(6);
    }

    @Test
    void thePerInstanceAndTheGlobalWebhookOfOneEventAreOneEvent() {
        ObjectNode perInstance = sample("connection.update.open.json", uniqueInstance());
        ObjectNode global = perInstance.deepCopy().put("destination", "http://bundle:8080/webhook/evolution/key/x")
                .put("server_url", "http://evolution:8080");
        Reply first = webhooks.post(perInstance);
        Reply second = webhooks.post("/webhook/evolution/key/" + TOKEN + "/connection-update", global.toString());
        assertThat(first.status()).isEqualTo(202);
        assertThat(second.status()).isEqualTo(200);
        assertThat(second.json().path("eventId")).isEqualTo(first.json().path("eventId"));
    }

    @Test
    void aNewStatusOfTheSameMessageIsANewEvent() {
        String instance = uniqueInstance();
        ObjectNode serverAck = sample("messages.update.server-ack.json", instance);
        ObjectNode deliveryAck = sample("messages.update.delivery-ack.json", instance);

        assertThat(webhooks.post(serverAck).status()).isEqualTo(202);
        assertThat(webhooks.post(deliveryAck).status()).isEqualTo(202);
        assertThat(webhooks.post(serverAck).status()).isEqualTo(200);
    }

    @Test
    void acceptsTheTokenInTheConfiguredHeader() {
        assertThat(webhooks.post("/webhook/evolution", text(), TOKEN_HEADER, TOKEN).status()).isEqualTo(202);
    }

    @Test
    void acceptsTheTokenAsAPathSegmentWithOrWithoutAnEventSuffix() {
        assertThat(webhooks.post("/webhook/evolution/key/" + TOKEN, text()).status()).isEqualTo(202);
        assertThat(webhooks.post("/webhook/evolution/key/" + TOKEN + "/messages-upsert", text()).status())
                .isEqualTo(202);
    }

    @Test
    void acceptsEvolutionsJwtSignedWithTheSharedSecret() throws Exception {
        String jwt = jwt(JWT_SECRET, Instant.now().plusSeconds(600));
        Reply reply = webhooks.post("/webhook/evolution/messages-upsert", text(), "Authorization", "Bearer " + jwt);
        assertThat(reply.status()).isEqualTo(202);
    }

    @Test
    void rejectsWrongMissingAndExpiredCredentialsWithAJsonReasonAndStoresNothing() throws Exception {
        String instance = uniqueInstance();
        String body = sample("messages.upsert.text.json", instance).toString();

        assertUnauthorized(webhooks.post("/webhook/evolution", body, TOKEN_HEADER, "wrong"), "wrong token header");
        assertUnauthorized(webhooks.post("/webhook/evolution", body), "missing credentials");
        assertUnauthorized(webhooks.post("/webhook/evolution/key/wrong", body), "wrong token in the path");
        assertUnauthorized(webhooks.post("/webhook/evolution", body, "Authorization",
                "Bearer " + jwt("another-secret-that-is-at-least-32-bytes", Instant.now().plusSeconds(600))),
                "JWT signature does not match");
        assertUnauthorized(webhooks.post("/webhook/evolution", body, "Authorization",
                "Bearer " + jwt(JWT_SECRET, Instant.now().minusSeconds(120))), "JWT expired");
        String unsigned = base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "."
                + base64Url("{\"exp\":" + (Instant.now().getEpochSecond() + 600) + "}") + ".";
        assertUnauthorized(webhooks.post("/webhook/evolution", body, "Authorization", "Bearer " + unsigned),
                "JWT algorithm must be HS256");

        assertThat(count("select count(*) from inbound_event where instance = ?", instance)).isZero();
    }

    @Test
    void theSecretIsNeverEchoedBack() {
        Reply reply = webhooks.post("/webhook/evolution", text(), TOKEN_HEADER, TOKEN);
        assertThat(reply.response().headers().map().keySet()).noneMatch(h -> h.equalsIgnoreCase(TOKEN_HEADER));
        assertThat(reply.body()).doesNotContain(TOKEN);
        assertThat(reply.response().headers().firstValue("Content-Type")).hasValue("application/json");
    }

    @Test
    void secretsInTheBodyAreRedactedBeforeTheEventIsStored() throws Exception {
        String instance = uniqueInstance();
        ObjectNode body = sample("messages.upsert.text.json", instance);
        body.put("destination", "http://bundle:8080/webhook/evolution/key/" + TOKEN + "/messages-upsert");
        Reply reply = webhooks.post("/webhook/evolution/key/" + TOKEN + "/messages-upsert", body.toString());
        assertThat(reply.status()).isEqualTo(202);

        JsonNode stored = JSON.readTree(jdbc.queryForObject(
                "select payload::text from inbound_event where instance = ?", String.class, instance));
        assertThat(stored.path("destination").asText())
                .isEqualTo("http://bundle:8080/webhook/evolution/key/[redacted]/messages-upsert");
        assertThat(stored.path("apikey").asText()).isEqualTo("[redacted]");
        assertThat(stored.toString()).doesNotContain(TOKEN).doesNotContain("B6D711FC-DE4D-4FD5-9365-44120E713976");
    }

    @Test
    void mediaKeysAreRedactedBeforeTheEventIsStoredQuotedMessagesIncluded() throws Exception {
        String instance = uniqueInstance();
        ObjectNode image = sample("messages.upsert.image-caption.json", instance);
        String key = image.findValue("mediaKey").asText();
        ((ObjectNode) image.path("data")).putObject("contextInfo").putObject("quotedMessage")
                .putObject("documentMessage").put("mediaKey", "quoted-media-key");
        assertThat(webhooks.post(image).status()).isEqualTo(202);

        String stored = jdbc.queryForObject("select payload::text from inbound_event where instance = ?", String.class,
                instance);
        assertThat(stored).doesNotContain(key).doesNotContain("quoted-media-key");
        assertThat(JSON.readTree(stored).findValuesAsText("mediaKey")).containsOnly("[redacted]").hasSize(2);
    }

    @Test
    void rejectsBodiesThatAreNotEvolutionWebhooksWithA400NamingTheProblem() {
        String instance = uniqueInstance();
        assertBadRequest("", "empty_body", "empty");
        assertBadRequest("{\"event\": \"messages.upsert\", ", "invalid_json", "not valid JSON");
        assertBadRequest("[1, 2]", "invalid_envelope", "must be a JSON object");
        assertBadRequest("{\"instance\": \"" + instance + "\", \"data\": {}}", "invalid_envelope", "'event' is missing");
        assertBadRequest("{\"event\": 7, \"instance\": \"" + instance + "\"}", "invalid_envelope", "'event' must be a non-empty string");
        assertBadRequest("{\"event\": \"messages.upsert\", \"data\": {}}", "invalid_envelope", "'instance' is missing");
        assertBadRequest("{\"event\": \"messages.upsert\", \"instance\": \"" + instance + "\", \"data\": \"x\"}",
                "invalid_envelope", "'data' must be an object, an array or null");

        assertThat(count("select count(*) from inbound_event where instance = ?", instance)).isZero();
    }

    @Test
    void acceptsUnknownEventsNullDataAndArrayData() {
        String instance = uniqueInstance();
        assertThat(webhooks.post(sample("unknown.future-event.json", instance)).status()).isEqualTo(202);
        assertThat(webhooks.post(sample("logout.instance.json", instance)).status()).isEqualTo(202);
        assertThat(webhooks.post(sample("contacts.upsert.array.json", instance)).status()).isEqualTo(202);
        ObjectNode noData = JSON.createObjectNode().put("event", "remove.instance").put("instance", instance);
        assertThat(webhooks.post(noData).status()).isEqualTo(202);

        assertThat(jdbc.queryForList("select event_type from inbound_event where instance = ? order by seq",
                String.class, instance))
                .containsExactly("message-receipt.update", "logout.instance", "contacts.upsert", "remove.instance");
    }

    @Test
    void theBodysEventWinsOverADisagreeingPathSuffix() {
        String instance = uniqueInstance();
        Reply reply = webhooks.post("/webhook/evolution/messages-upsert",
                sample("connection.update.open.json", instance).toString(), TOKEN_HEADER, TOKEN);
        assertThat(reply.status()).isEqualTo(202);
        assertThat(jdbc.queryForObject("select event_type from inbound_event where instance = ?", String.class, instance))
                .isEqualTo("connection.update");
    }

    @Test
    void unknownPathsBelowTheWebhookAre404() {
        Reply reply = webhooks.post("/webhook/evolution/a/b/c", text(), TOKEN_HEADER, TOKEN);
        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().path("error").asText()).isEqualTo("not_found");
    }

    @Test
    void letsBase64MediaBodiesOfManyMegabytesInAndAnswers413BeyondTheLimit() {
        String instance = uniqueInstance();
        ObjectNode media = sample("messages.upsert.image-caption.json", instance);
        byte[] image = new byte[6 * 1024 * 1024];
        Arrays.fill(image, (byte) 7);
        ((ObjectNode) media.path("data").path("message")).put("base64", Base64.getEncoder().encodeToString(image));
        assertThat(webhooks.post(media).status()).isEqualTo(202);

        byte[] tooLarge = new byte[52 * 1024 * 1024];
        Arrays.fill(tooLarge, (byte) ' ');
        Reply reply = webhooks.post("/webhook/evolution", tooLarge, TOKEN_HEADER, TOKEN);
        assertThat(reply.status()).isEqualTo(413);
        assertThat(reply.json().path("error").asText()).isEqualTo("payload_too_large");
    }

    @Test
    void aFormContentTypeDoesNotStopAJsonBody() {
        String instance = uniqueInstance();
        Reply reply = webhooks.post("/webhook/evolution", sample("messages.upsert.text.json", instance).toString(),
                TOKEN_HEADER, TOKEN, "Content-Type", "application/x-www-form-urlencoded");
        assertThat(reply.status()).as(reply.body()).isEqualTo(202);
    }

    private void assertBadRequest(String body, String code, String reason) {
        Reply reply = webhooks.post("/webhook/evolution", body, TOKEN_HEADER, TOKEN);
        assertThat(reply.status()).as(body).isEqualTo(400);
        JsonNode json = reply.json();
        assertThat(json.path("error").asText()).as(body).isEqualTo(code);
        assertThat(json.path("message").asText()).as(body).contains(reason);
    }

    private static void assertUnauthorized(Reply reply, String reason) {
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.json().path("error").asText()).isEqualTo("unauthorized");
        assertThat(reply.json().path("message").asText()).contains(reason);
    }

    private static String text() {
        return sample("messages.upsert.text.json", uniqueInstance()).toString();
    }

    /** A token as Evolution's jwt_key feature makes it, signed by an independent JOSE implementation. */
    private static String jwt(String secret, Instant expiry) throws Exception {
        Instant issued = expiry.minusSeconds(600);
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .issueTime(Date.from(issued))
                .expirationTime(Date.from(expiry))
                .claim("app", "evolution")
                .claim("action", "webhook")
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.HS256), claims);
        jwt.sign(new MACSigner(secret.getBytes(StandardCharsets.UTF_8)));
        return jwt.serialize();
    }

    private static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
