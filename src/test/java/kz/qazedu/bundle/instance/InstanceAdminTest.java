package kz.qazedu.bundle.instance;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.delete;
import static com.github.tomakehurst.wiremock.client.WireMock.deleteRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.equalToJson;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.List;
import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.http.Fault;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertySource;

/**
 * routes/instance-admin.camel.yaml against a WireMock Evolution answering as Evolution 2.3.7 does (bodies and
 * errors as its source has them): create with the bundle's webhook, list and look, the QR code as JSON and PNG,
 * log out, restart, delete, adopt; and what each failure of Evolution becomes for the caller.
 */
// its own context (own properties): closed after the class, so that its relay and broker do not take events of
// the tests that follow on the shared database
@DirtiesContext
class InstanceAdminTest extends IntegrationTest {

    private static final WireMockServer EVOLUTION = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    private static final String KEY = "test-evolution-global-key";
    private static final String API = "Bearer test-api-token";
    /** A 1x1 PNG, as Evolution's data URL carries the QR image. */
    private static final String PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

    @DynamicPropertySource
    static void evolution(DynamicPropertyRegistry properties) {
        if (!EVOLUTION.isRunning()) {
            EVOLUTION.start();
        }
        properties.add("bundle.evolution.url", () -> "http://127.0.0.1:" + EVOLUTION.port());
        properties.add("bundle.evolution.api-key", () -> KEY);
        properties.add("bundle.public-url", () -> "http://bundle.internal:8080/");
    }

    @AfterAll
    static void stop() {
        EVOLUTION.stop();
    }

    @Test
    void anInstanceIsCreatedWithTheBundlesWebhookAndItsFirstQrCode() {
        String name = newName();
        EVOLUTION.stubFor(post(urlEqualTo("/instance/create")).willReturn(json(201, """
                {"instance":{"instanceName":"%s","instanceId":"3f0c2b8e-6d7a-4a4f-9d61-2f6a1b0c9e11",
                 "integration":"WHATSAPP-BAILEYS","webhookWaBusiness":null,"accessTokenWaBusiness":"","status":"connecting"},
                 "hash":"B5E1C0A2-7A8E-4C44-9C5B-2D6E0F3A9B17",
                 "webhook":{"webhookUrl":"http://bundle.internal:8080/webhook/evolution","webhookHeaders":{},
                            "webhookByEvents":false,"webhookBase64":false},
                 "websocket":{},"rabbitmq":{},"nats":{},"sqs":{},"settings":{"rejectCall":false},
                 "qrcode":{"pairingCode":null,"code":"2@y8eK+bjtEjUWy9","base64":"data:image/png;base64,%s","count":1}}
                """.formatted(name, PNG))));

        Reply reply = webhooks.post("/api/v1/instances", "{\"name\":\"" + name + "\"}", "Authorization", API);

        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        assertThat(reply.json().path("name").asText()).isEqualTo(name);
        assertThat(reply.json().path("state").asText()).isEqualTo("connecting");
        assertThat(reply.json().path("qrcode").path("code").asText()).isEqualTo("2@y8eK+bjtEjUWy9");
        assertThat(reply.json().path("qrcode").path("base64").asText()).startsWith("data:image/png;base64,");
        assertThat(reply.json().path("pairingCode").isNull()).isTrue();

        LoggedRequest create = only(postRequestedFor(urlEqualTo("/instance/create")), name);
        assertThat(create.getHeader("apikey")).isEqualTo(KEY);
        JsonNode sent = EvolutionSamples.json(create.getBodyAsString());
        assertThat(sent.path("integration").asText()).isEqualTo("WHATSAPP-BAILEYS");
        assertThat(sent.path("qrcode").asBoolean()).isTrue();
        JsonNode webhook = sent.path("webhook");
        assertThat(webhook.path("url").asText()).isEqualTo("http://bundle.internal:8080/webhook/evolution");
        assertThat(webhook.path("byEvents").asBoolean(true)).isFalse();
        assertThat(webhook.path("base64").asBoolean(true)).isFalse();
        // the test profile verifies Evolution's JWTs: Evolution is given the secret to sign them with
        assertThat(webhook.path("headers").path("jwt_key").asText()).isEqualTo("test-jwt-secret-with-at-least-32-bytes!");
        assertThat(texts(webhook.path("events"))).contains("MESSAGES_UPSERT", "MESSAGES_UPDATE", "MESSAGES_DELETE",
                "SEND_MESSAGE", "CONNECTION_UPDATE", "QRCODE_UPDATED");

        Reply one = webhooks.get("/api/v1/instances/" + name, "Authorization", API);
        assertThat(one.status()).as(one.body()).isEqualTo(200);
        assertThat(one.json().path("state").asText()).isEqualTo("connecting");
        assertThat(one.json().path("managed").asBoolean()).isTrue();
        assertThat(one.json().path("sending").path("queued").asInt(-1)).isZero();
        Reply all = webhooks.get("/api/v1/instances", "Authorization", API);
        assertThat(all.status()).isEqualTo(200);
        assertThat(texts(all.json().path("instances"), "name")).contains(name);
    }

    @Test
    void aPairingCodeIsAskedForWithTheNumberAndReturned() {
        String name = newName();
        EVOLUTION.stubFor(post(urlEqualTo("/instance/create")).willReturn(json(201, """
                {"instance":{"instanceName":"%s","status":"connecting"},"hash":"X",
                 "qrcode":{"pairingCode":"WZYEH1YY","code":"2@abc","base64":"data:image/png;base64,%s","count":1}}
                """.formatted(name, PNG))));

        Reply reply = webhooks.post("/api/v1/instances", "{\"name\":\"" + name + "\",\"number\":\"77051234567\"}",
                "Authorization", API);

        assertThat(reply.status()).as(reply.body()).isEqualTo(201);
        assertThat(reply.json().path("pairingCode").asText()).isEqualTo("WZYEH1YY");
        assertThat(EvolutionSamples.json(only(postRequestedFor(urlEqualTo("/instance/create")), name).getBodyAsString())
                .path("number").asText()).isEqualTo("77051234567");
    }

    @Test
    void aNameInUseAtEvolutionIsAConflict() {
        String name = newName();
        EVOLUTION.stubFor(post(urlEqualTo("/instance/create")).willReturn(evolutionError(403, "Forbidden",
                "[\"This name \\\"" + name + "\\\" is already in use.\"]")));

        Reply reply = webhooks.post("/api/v1/instances", "{\"name\":\"" + name + "\"}", "Authorization", API);

        assertThat(reply.status()).as(reply.body()).isEqualTo(409);
        assertThat(reply.json().path("error").asText()).isEqualTo("name_in_use");
        assertThat(count("select count(*) from instance where name = ?", name)).isZero();
    }

    @Test
    void badRequestsAreRefusedWithoutAskingEvolution() {
        int before = EVOLUTION.findAll(postRequestedFor(urlEqualTo("/instance/create"))).size();

        Reply badName = webhooks.post("/api/v1/instances", "{\"name\":\"clinic 1/../x\"}", "Authorization", API);
        Reply badNumber = webhooks.post("/api/v1/instances", "{\"name\":\"ok\",\"number\":\"+7 705\"}", "Authorization", API);
        Reply unknownField = webhooks.post("/api/v1/instances", "{\"nmae\":\"clinic\"}", "Authorization", API);
        Reply notObject = webhooks.post("/api/v1/instances", "[\"clinic\"]", "Authorization", API);
        Reply noToken = webhooks.post("/api/v1/instances", "{\"name\":\"clinic\"}");

        assertThat(badName.status()).isEqualTo(400);
        assertThat(badName.json().path("fields").path("name").asText()).contains("letters");
        assertThat(badNumber.status()).isEqualTo(400);
        assertThat(badNumber.json().path("fields").has("number")).isTrue();
        assertThat(unknownField.status()).isEqualTo(400);
        assertThat(unknownField.json().path("fields").has("nmae")).isTrue();
        assertThat(notObject.status()).isEqualTo(400);
        assertThat(noToken.status()).isEqualTo(401);
        assertThat(EVOLUTION.findAll(postRequestedFor(urlEqualTo("/instance/create")))).hasSize(before);
    }

    @Test
    void evolutionFailingIsABadGatewayOrUnavailableWithAReason() {
        String refused = newName();
        String down = newName();
        String broken = newName();
        EVOLUTION.stubFor(get(urlEqualTo("/instance/connect/" + refused))
                .willReturn(aResponse().withStatus(401).withBody("{\"status\":401,\"error\":\"Unauthorized\",\"response\":{\"message\":\"Unauthorized\"}}")));
        EVOLUTION.stubFor(get(urlEqualTo("/instance/connect/" + down))
                .willReturn(aResponse().withFault(Fault.CONNECTION_RESET_BY_PEER)));
        EVOLUTION.stubFor(get(urlEqualTo("/instance/connect/" + broken))
                .willReturn(evolutionError(500, "Internal Server Error", "\"boom\"")));

        Reply key = webhooks.get("/api/v1/instances/" + refused + "/qrcode", "Authorization", API);
        Reply unreachable = webhooks.get("/api/v1/instances/" + down + "/qrcode", "Authorization", API);
        Reply failed = webhooks.get("/api/v1/instances/" + broken + "/qrcode", "Authorization", API);

        assertThat(key.status()).isEqualTo(502);
        assertThat(key.json().path("error").asText()).isEqualTo("evolution_refused_key");
        assertThat(key.body()).doesNotContain(KEY);
        assertThat(unreachable.status()).as(unreachable.body()).isEqualTo(503);
        assertThat(unreachable.json().path("error").asText()).isEqualTo("evolution_unreachable");
        assertThat(failed.status()).isEqualTo(502);
        assertThat(failed.json().path("message").asText()).contains("500").contains("boom");
    }

    @Test
    void theQrCodeComesAsJsonOrAsThePngItself() throws Exception {
        String name = newName();
        String connected = newName();
        String early = newName();
        EVOLUTION.stubFor(get(urlEqualTo("/instance/connect/" + name)).willReturn(json(200,
                "{\"pairingCode\":null,\"code\":\"2@qr\",\"base64\":\"data:image/png;base64," + PNG + "\",\"count\":3}")));
        EVOLUTION.stubFor(get(urlEqualTo("/instance/connect/" + connected)).willReturn(json(200,
                "{\"instance\":{\"instanceName\":\"" + connected + "\",\"state\":\"open\"}}")));
        EVOLUTION.stubFor(get(urlEqualTo("/instance/connect/" + early)).willReturn(json(200, "{\"count\":0}")));

        Reply qr = webhooks.get("/api/v1/instances/" + name + "/qrcode", "Authorization", API);
        HttpResponse<byte[]> png = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        webhooks.uri("/api/v1/instances/" + name + "/qrcode"))
                .header("Authorization", API).header("Accept", "image/png").GET().build(),
                HttpResponse.BodyHandlers.ofByteArray());
        Reply open = webhooks.get("/api/v1/instances/" + connected + "/qrcode", "Authorization", API);
        Reply notYet = webhooks.get("/api/v1/instances/" + early + "/qrcode", "Authorization", API);

        assertThat(qr.status()).as(qr.body()).isEqualTo(200);
        assertThat(qr.json().path("code").asText()).isEqualTo("2@qr");
        assertThat(qr.json().path("count").asInt()).isEqualTo(3);
        assertThat(png.statusCode()).isEqualTo(200);
        assertThat(png.headers().firstValue("Content-Type")).hasValue("image/png");
        assertThat(png.body()).isEqualTo(Base64.getDecoder().decode(PNG));
        assertThat(open.status()).isEqualTo(409);
        assertThat(open.json().path("error").asText()).isEqualTo("connected");
        assertThat(notYet.status()).isEqualTo(503);
        assertThat(notYet.json().path("error").asText()).isEqualTo("qr_code_not_ready");
    }

    @Test
    void logoutRestartAndDeleteAreEvolutionsWithTheirAnswersTranslated() {
        String name = newName();
        String closed = newName();
        EVOLUTION.stubFor(delete(urlEqualTo("/instance/logout/" + name)).willReturn(json(200,
                "{\"status\":\"SUCCESS\",\"error\":false,\"response\":{\"message\":\"Instance logged out\"}}")));
        EVOLUTION.stubFor(delete(urlEqualTo("/instance/logout/" + closed)).willReturn(evolutionError(400, "Bad Request",
                "[\"The \\\"" + closed + "\\\" instance is not connected\"]")));
        EVOLUTION.stubFor(post(urlEqualTo("/instance/restart/" + name)).willReturn(json(200,
                "{\"instance\":{\"instanceName\":\"" + name + "\",\"state\":\"open\"}}")));
        EVOLUTION.stubFor(post(urlEqualTo("/instance/restart/" + closed)).willReturn(json(200,
                "{\"error\":true,\"message\":\"[object Object]\"}")));
        EVOLUTION.stubFor(delete(urlEqualTo("/instance/delete/" + name)).willReturn(json(200,
                "{\"status\":\"SUCCESS\",\"error\":false,\"response\":{\"message\":\"Instance deleted\"}}")));
        EVOLUTION.stubFor(delete(urlPathMatching("/instance/delete/unknown-.*")).willReturn(evolutionError(404,
                "Not Found", "[\"The instance does not exist\"]")));
        webhooks.post("/webhook/evolution", EvolutionSamples.sample("connection.update.open.json", name).toString(),
                "X-Webhook-Token", "test-webhook-token");
        eventually().until(() -> count("select count(*) from instance where name = ? and state = 'open'", name) == 1);

        assertThat(webhooks.post("/api/v1/instances/" + name + "/logout", "", "Authorization", API).status()).isEqualTo(200);
        Reply notConnected = webhooks.post("/api/v1/instances/" + closed + "/logout", "", "Authorization", API);
        assertThat(notConnected.status()).isEqualTo(409);
        assertThat(notConnected.json().path("error").asText()).isEqualTo("not_connected");
        Reply restarted = webhooks.post("/api/v1/instances/" + name + "/restart", "", "Authorization", API);
        assertThat(restarted.status()).as(restarted.body()).isEqualTo(200);
        assertThat(restarted.json().path("state").asText()).isEqualTo("open");
        assertThat(webhooks.post("/api/v1/instances/" + closed + "/restart", "", "Authorization", API).status()).isEqualTo(409);
        Reply deleted = webhooks.delete("/api/v1/instances/" + name, "Authorization", API);
        assertThat(deleted.status()).as(deleted.body()).isEqualTo(200);
        assertThat(webhooks.delete("/api/v1/instances/unknown-" + name, "Authorization", API).status()).isEqualTo(404);
        assertThat(EVOLUTION.findAll(deleteRequestedFor(urlEqualTo("/instance/delete/" + name))).get(0)
                .getHeader("apikey")).isEqualTo(KEY);
        eventually().until(() -> "removed".equals(jdbc.queryForObject(
                "select coalesce(state, '') from instance where name = ?", String.class, name)));
        assertThat(webhooks.get("/api/v1/instances/" + name, "Authorization", API).json().path("removedAt").isTextual()).isTrue();

        // an event Evolution sent before the delete, arriving after it, does not bring the instance back
        webhooks.post("/webhook/evolution", EvolutionSamples.sample("connection.update.connecting.json", name).toString(),
                "X-Webhook-Token", "test-webhook-token");
        String marker = EvolutionSamples.newMessageId();
        webhooks.post(EvolutionSamples.textMessage(name, "77051234567@s.whatsapp.net", marker, "after"));
        eventually().until(() -> count("select count(*) from message where wa_message_id = ?", marker) == 1);
        eventually().during(java.time.Duration.ofSeconds(1)).atMost(java.time.Duration.ofSeconds(10)).until(() ->
                "removed".equals(jdbc.queryForObject("select state from instance where name = ?", String.class, name)));
    }

    @Test
    void anInstanceCreatedElsewhereIsAdoptedByGivingItTheBundlesWebhook() {
        String name = "Clinic " + UUID.randomUUID().toString().substring(0, 8);
        String path = "/webhook/set/" + name.replace(" ", "%20");
        EVOLUTION.stubFor(post(urlEqualTo(path)).willReturn(json(201,
                "{\"id\":\"cm5x\",\"url\":\"http://bundle.internal:8080/webhook/evolution\",\"enabled\":true}")));

        Reply reply = webhooks.post("/api/v1/instances/" + name.replace(" ", "%20") + "/webhook", "", "Authorization", API);

        assertThat(reply.status()).as(reply.body()).isEqualTo(200);
        assertThat(reply.json().path("managed").asBoolean()).isTrue();
        LoggedRequest set = EVOLUTION.findAll(postRequestedFor(urlEqualTo(path))).get(0);
        assertThat(set.getHeader("apikey")).isEqualTo(KEY);
        JsonNode webhook = EvolutionSamples.json(set.getBodyAsString()).path("webhook");
        assertThat(webhook.path("enabled").asBoolean()).isTrue();
        assertThat(webhook.path("url").asText()).isEqualTo("http://bundle.internal:8080/webhook/evolution");
        assertThat(texts(webhook.path("events"))).contains("MESSAGES_UPSERT", "CONNECTION_UPDATE", "QRCODE_UPDATED");
        assertThat(count("select count(*) from instance where name = ? and managed_since is not null", name)).isEqualTo(1);
    }

    @Test
    void anUnknownInstanceIsNotFound() {
        Reply reply = webhooks.get("/api/v1/instances/never-" + newName(), "Authorization", API);

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().path("error").asText()).isEqualTo("unknown_instance");
    }

    @Test
    void eachEventFromEvolutionIsTheInstancesLatestActivity() {
        String name = newName();
        assertThat(webhooks.post(EvolutionSamples.textMessage(name, "77051234567@s.whatsapp.net",
                EvolutionSamples.newMessageId(), "hello")).status()).isEqualTo(202);

        eventually().until(() -> count("select count(*) from instance where name = ? and last_event_at is not null", name) == 1);
        Reply one = webhooks.get("/api/v1/instances/" + name, "Authorization", API);
        assertThat(one.json().path("lastEventAt").isTextual()).isTrue();
        assertThat(one.json().path("managed").asBoolean(true)).isFalse();
    }

    private static String newName() {
        return "clinic-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static LoggedRequest only(com.github.tomakehurst.wiremock.matching.RequestPatternBuilder pattern, String name) {
        List<LoggedRequest> found = EVOLUTION.findAll(pattern.withRequestBody(
                com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath("$.instanceName", equalTo(name))));
        assertThat(found).hasSize(1);
        return found.get(0);
    }

    private static ResponseDefinitionBuilder json(int status, String body) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json; charset=utf-8").withBody(body);
    }

    private static ResponseDefinitionBuilder evolutionError(int status, String error, String messageJson) {
        return json(status, "{\"status\":" + status + ",\"error\":\"" + error + "\",\"response\":{\"message\":"
                + messageJson + "}}");
    }

    private static List<String> texts(JsonNode array) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(JsonNode::asText).toList();
    }

    private static List<String> texts(JsonNode array, String field) {
        return java.util.stream.StreamSupport.stream(array.spliterator(), false).map(n -> n.path(field).asText()).toList();
    }
}
