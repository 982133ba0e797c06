package kz.qazedu.bundle.edge;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.Test;

/**
 * routes/http-reply.camel.yaml: every reply is the HttpReply's status and JSON, and nothing the caller sent comes
 * back, whichever route answers (a webhook accepted or refused, the operator API found or not).
 */
class HttpReplyTest extends IntegrationTest {

    private static final String OPERATOR = "Bearer test-api-token";
    private static final String TRACE = "trace-secret-7f3a";

    @Test
    void anAcceptedWebhookIsAnsweredWithItsStatusAndJsonOnly() {
        Reply reply = webhooks.post("/webhook/evolution", sample("messages.upsert.text.json", uniqueInstance()).toString(),
                WebhookClient.TOKEN_HEADER, WebhookClient.TOKEN, "X-Trace", TRACE, "Cookie", "session=" + TRACE);

        assertThat(reply.status()).isEqualTo(202);
        assertJsonOnly(reply, WebhookClient.TOKEN_HEADER, WebhookClient.TOKEN);
        assertThat(reply.json().path("status").asText()).isNotBlank();
    }

    @Test
    void aRefusedWebhookIsAnsweredWithItsStatusAndTheReason() {
        Reply reply = webhooks.post("/webhook/evolution", "{\"event\":\"messages.upsert\"}",
                WebhookClient.TOKEN_HEADER, WebhookClient.TOKEN, "X-Trace", TRACE);

        assertThat(reply.status()).isEqualTo(400);
        assertJsonOnly(reply, WebhookClient.TOKEN_HEADER, WebhookClient.TOKEN);
        assertThat(reply.json().path("error").asText()).isNotBlank();
    }

    @Test
    void theOperatorApiAnswersTheSameWayWithoutEchoingItsToken() {
        Reply found = webhooks.get("/api/v1/instances", "Authorization", OPERATOR, "X-Trace", TRACE);
        Reply missing = webhooks.get("/api/v1/instances/" + uniqueInstance(), "Authorization", OPERATOR, "X-Trace", TRACE);

        assertThat(found.status()).isEqualTo(200);
        assertThat(found.json().has("instances")).isTrue();
        assertJsonOnly(found, "Authorization", "test-api-token");
        assertThat(missing.status()).isEqualTo(404);
        assertJsonOnly(missing, "Authorization", "test-api-token");
    }

    private static void assertJsonOnly(Reply reply, String secretHeader, String secret) {
        assertThat(reply.response().headers().firstValue("Content-Type")).hasValue("application/json");
        for (String header : List.of(secretHeader, "X-Trace", "Cookie", "Set-Cookie")) {
            assertThat(reply.response().headers().allValues(header)).as("header %s", header).isEmpty();
        }
        assertThat(reply.response().headers().map().values().toString()).doesNotContain(TRACE).doesNotContain(secret);
        assertThat(reply.body()).doesNotContain(TRACE).doesNotContain(secret);
        reply.json();
    }
}
