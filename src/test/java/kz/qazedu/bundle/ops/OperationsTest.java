package kz.qazedu.bundle.ops;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.Test;

/**
 * routes/operations.camel.yaml: health and metrics on the bundle's HTTP port; details and metrics only for the
 * holder of the metrics or API token.
 */
class OperationsTest extends IntegrationTest {

    private static final String API = "Bearer test-api-token";
    private static final String METRICS = "Bearer test-metrics-token";

    @Test
    void healthIsUpWithTheDatabaseAndTheBrokerCheckedForAnOperator() {
        for (String token : new String[] {API, METRICS}) {
            Reply reply = webhooks.get("/actuator/health", "Authorization", token);
            assertThat(reply.status()).isEqualTo(200);
            JsonNode health = reply.json();
            assertThat(health.path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("db").path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("jms").path("status").asText()).isEqualTo("UP");
        }
    }

    @Test
    void anonymousHealthIsTheStatusAlone() {
        Reply reply = webhooks.get("/actuator/health");
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.json().path("status").asText()).isEqualTo("UP");
        assertThat(reply.json().has("components")).isFalse();
        assertThat(reply.json().size()).isEqualTo(1);
    }

    @Test
    void aWrongTokenForHealthIsRefusedRatherThanIgnored() {
        Reply reply = webhooks.get("/actuator/health", "Authorization", "Bearer wrong");
        assertThat(reply.status()).isEqualTo(401);
        assertThat(reply.json().path("error").asText()).isEqualTo("unauthorized");
    }

    @Test
    void prometheusMetricsCountTheJournalForAnOperatorOnly() {
        webhooks.post(sample("messages.upsert.text.json", uniqueInstance()));
        assertThat(webhooks.get("/actuator/prometheus").status()).isEqualTo(401);
        assertThat(webhooks.get("/actuator/prometheus?Authorization=" + METRICS.replace(" ", "%20")).status())
                .isEqualTo(401);

        Reply reply = webhooks.get("/actuator/prometheus", "Authorization", METRICS);
        assertThat(reply.status()).isEqualTo(200);
        assertThat(reply.response().headers().firstValue("Content-Type")).hasValueSatisfying(
                type -> assertThat(type).startsWith("text/plain"));
        assertThat(reply.body()).contains("bundle_journal_events_total{").contains("result=\"stored\"");
    }
}
