package kz.qazedu.bundle.ops;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.Test;

/** routes/operations.camel.yaml: health and metrics on the bundle's HTTP port. */
class OperationsTest extends IntegrationTest {

    @Test
    void healthIsUpWithTheDatabaseAndTheBrokerChecked() {
        Reply reply = webhooks.get("/actuator/health");
        assertThat(reply.status()).isEqualTo(200);
        JsonNode health = reply.json();
        assertThat(health.path("status").asText()).isEqualTo("UP");
        assertThat(health.path("components").path("db").path("status").asText()).isEqualTo("UP");
        assertThat(health.path("components").path("jms").path("status").asText()).isEqualTo("UP");
    }

    @Test
    void prometheusMetricsCountTheJournal() {
        webhooks.post(sample("messages.upsert.text.json", uniqueInstance()));
        Reply reply = webhooks.get("/actuator/prometheus");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.response().headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        assertThat(reply.body()).contains("bundle_journal_events_total{").contains("result=\"stored\"");
    }
}
