package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.support.EvolutionSamples.JSON;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.support.OutboundTestBase;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.Test;

/** routes/outbound-message-api.camel.yaml: validation, storage before the answer, idempotency, the status view. */
class OutboundMessageApiTest extends OutboundTestBase {

    @Test
    void acceptsATextStoresItQueuedAndAnswers202WithItsId() {
        String instance = uniqueInstance();
        ObjectNode request = JSON.createObjectNode().put("instance", instance).put("to", "+7 (705) 123-45-67")
                .put("text", "Reminder: your appointment is tomorrow at 10:30").put("crmMessageId", "crm-42");
        // paused by hand so that nothing leaves while the test looks at the stored request
        webhooks.post("/api/v1/instances/" + instance + "/sending/pause", "", "Authorization", "Bearer " + API_TOKEN);

        Reply reply = send(request);

        assertThat(reply.status()).isEqualTo(202);
        String id = reply.json().path("id").asText();
        assertThat(id).startsWith("out_");
        assertThat(reply.json().path("status").asText()).isEqualTo("queued");
        assertThat(reply.json().path("to").asText()).isEqualTo("77051234567");
        JsonNode stored = message(id);
        assertThat(stored.path("status").asText()).isEqualTo("queued");
        assertThat(stored.path("chatId").asText()).isEqualTo("77051234567@s.whatsapp.net");
        assertThat(stored.path("crmMessageId").asText()).isEqualTo("crm-42");
        assertThat(stored.path("history").get(0).path("status").asText()).isEqualTo("queued");
        assertThat(count("select count(*) from outbound_message where id = ? and status = 'queued'", id)).isEqualTo(1);
    }

    @Test
    void namesEveryBadFieldIn400() {
        ObjectNode request = JSON.createObjectNode().put("to", "call me").put("colour", "red");
        request.putObject("media").put("type", "sticker").put("url", "ftp://files.example.com/a.webp");

        Reply reply = send(request);

        assertThat(reply.status()).isEqualTo(400);
        JsonNode fields = reply.json().path("fields");
        assertThat(reply.json().path("error").asText()).isEqualTo("invalid_request");
        assertThat(fields.fieldNames()).toIterable()
                .contains("instance", "to", "colour", "media.type", "media.url");
        assertThat(fields.path("media.url").asText()).contains("http");
    }

    @Test
    void refusesTextAndMediaMissingAndBadJson() {
        String instance = uniqueInstance();
        assertThat(send(JSON.createObjectNode().put("instance", instance).put("to", "77051234567")).json()
                .path("fields").path("text").asText()).contains("required");
        assertThat(webhooks.post("/api/v1/messages", "{not json", "Authorization", "Bearer " + API_TOKEN).status())
                .isEqualTo(400);
        ObjectNode document = JSON.createObjectNode().put("instance", instance).put("to", "77051234567");
        document.putObject("media").put("type", "document").put("url", "https://files.example.com/price.pdf");
        assertThat(send(document).json().path("fields").path("media.fileName").asText()).contains("required");
    }

    @Test
    void withoutTheApiTokenNothingIsStored() {
        String instance = uniqueInstance();
        ObjectNode request = JSON.createObjectNode().put("instance", instance).put("to", "77051234567").put("text", "hi");

        Reply reply = webhooks.post("/api/v1/messages", request.toString(), "Authorization", "Bearer wrong");

        assertThat(reply.status()).isEqualTo(401);
        assertThat(count("select count(*) from outbound_message where instance = ?", instance)).isZero();
    }

    @Test
    void anIdempotencyKeyReturnsTheFirstAnswerAndSendsOnce() {
        String instance = uniqueInstance();
        evolutionSends(instance);
        ObjectNode request = JSON.createObjectNode().put("instance", instance).put("to", "87051234567").put("text", "Once");
        String key = "crm-retry-" + suffix();

        Reply first = send(request, "Idempotency-Key", key);
        Reply again = send(request, "Idempotency-Key", key);
        Reply different = send(request.deepCopy().put("text", "Twice"), "Idempotency-Key", key);

        assertThat(first.status()).isEqualTo(202);
        assertThat(again.status()).isEqualTo(202);
        assertThat(again.json()).isEqualTo(first.json());
        assertThat(different.status()).isEqualTo(422);
        assertThat(different.json().path("error").asText()).isEqualTo("idempotency_key_reused");
        String id = first.json().path("id").asText();
        eventually().until(() -> "sent".equals(status(id)));
        assertThat(sendsTo(instance)).hasSize(1);
        assertThat(count("select count(*) from outbound_message where instance = ?", instance)).isEqualTo(1);
    }

    @Test
    void takesJsonWhateverContentTypeTheClientClaims() {
        String instance = uniqueInstance();
        String body = JSON.createObjectNode().put("instance", instance).put("to", "77051234567").put("text", "curl -d")
                .toString();

        Reply reply = webhooks.post("/api/v1/messages", body, "Authorization", "Bearer " + API_TOKEN,
                "Content-Type", "application/x-www-form-urlencoded");

        assertThat(reply.status()).isEqualTo(202);
    }

    @Test
    void anUnknownMessageIs404() {
        Reply reply = webhooks.get("/api/v1/messages/out_nothing", "Authorization", "Bearer " + API_TOKEN);

        assertThat(reply.status()).isEqualTo(404);
        assertThat(reply.json().path("error").asText()).isEqualTo("not_found");
    }
}
