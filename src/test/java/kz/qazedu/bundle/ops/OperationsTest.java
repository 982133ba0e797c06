package kz.qazedu.bundle.ops;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.Test;

/**
 * routes/operations.camel.yaml: health, its liveness and readiness probes, and metrics on the bundle's HTTP port;
 * details and metrics only for the holder of the metrics or API token. (The probes while the broker or PostgreSQL
 * is down: BrokerOutageTest, DatabaseOutageTest.)
 */
class OperationsTest extends IntegrationTest {

    private static final String API = "Bearer test-api-token";
    private static final String METRICS = "Bearer test-metrics-token";
    private static final String LIVENESS = "/actuator/health/liveness";
    private static final String READINESS = "/actuator/health/readiness";

    @Test
    void healthIsUpWithTheDatabaseAndTheBrokerCheckedForAnOperator() {
        for (String token : new String[] {API, METRICS}) {
            Reply reply = webhooks.get("/actuator/health", "Authorization", token);
            assertThat(reply.status()).isEqualTo(200);
            JsonNode health = reply.json();
            assertThat(health.path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("db").path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("jms").path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("journal").path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("livenessState").path("status").asText()).isEqualTo("UP");
            assertThat(health.path("components").path("readinessState").path("status").asText()).isEqualTo("UP");
        }
    }

    @Test
    void anonymousProbesAreTheStatusAlone() {
        for (String probe : new String[] {LIVENESS, READINESS}) {
            Reply reply = webhooks.get(probe);
            assertThat(reply.status()).as(probe).isEqualTo(200);
            assertThat(reply.json().path("status").asText()).isEqualTo("UP");
            assertThat(reply.json().size()).as(probe).isEqualTo(1);
        }
    }

    @Test
    void livenessCountsTheProcessAndTheJournalWriterButNeitherDatabaseNorBroker() {
        Reply reply = webhooks.get(LIVENESS, "Authorization", METRICS);
        assertThat(reply.status()).isEqualTo(200);
        JsonNode components = reply.json().path("components");
        assertThat(components.path("livenessState").path("status").asText()).isEqualTo("UP");
        assertThat(components.path("journal").path("status").asText()).isEqualTo("UP");
        assertThat(components.path("journal").path("details").path("writer").asText()).isEqualTo("running");
        assertThat(components.has("db")).isFalse();
        assertThat(components.has("jms")).isFalse();
        assertThat(reply.json().has("broker")).isFalse();
    }

    @Test
    void readinessCountsTheDatabaseAndTheJournalAndShowsTheBrokerBesideThem() {
        Reply reply = webhooks.get(READINESS, "Authorization", API);
        assertThat(reply.status()).isEqualTo(200);
        JsonNode readiness = reply.json();
        assertThat(readiness.path("status").asText()).isEqualTo("UP");
        assertThat(readiness.path("components").path("readinessState").path("status").asText()).isEqualTo("UP");
        assertThat(readiness.path("components").path("db").path("status").asText()).isEqualTo("UP");
        assertThat(readiness.path("components").path("journal").path("status").asText()).isEqualTo("UP");
        assertThat(readiness.path("components").has("jms")).as("the broker does not count").isFalse();
        assertThat(readiness.path("broker").path("status").asText()).isEqualTo("UP");
        assertThat(readiness.path("broker").has("groups")).isFalse();
    }

    @Test
    void aWrongTokenForAProbeIsRefusedAndOtherHealthPathsWantAToken() {
        for (String probe : new String[] {LIVENESS, READINESS}) {
            assertThat(webhooks.get(probe, "Authorization", "Bearer wrong").status()).as(probe).isEqualTo(401);
        }
        assertThat(webhooks.get("/actuator/health/db").status()).isEqualTo(401);
        assertThat(webhooks.get("/actuator/health/db", "Authorization", API).status())
                .as("only the probes are served below /actuator/health").isEqualTo(404);
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

    @Test
    void everyWebhookIsTimedByTheServerAsAHistogram() {
        double before = webhookDurationCount();
        for (int i = 0; i < 3; i++) {
            assertThat(webhooks.post(sample("messages.upsert.text.json", uniqueInstance())).status()).isEqualTo(202);
        }
        webhooks.get("/api/v1/instances", "Authorization", API);

        // recorded once each answer has been written out, which the client may see a moment before
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> assertThat(webhookDurationCount() - before)
                .as("the three webhooks, not the API call").isEqualTo(3));
        String metrics = webhooks.get("/actuator/prometheus", "Authorization", METRICS).body();
        assertThat(metrics).contains("bundle_webhook_duration_seconds_bucket{").contains("le=\"+Inf\"");
    }

    private double webhookDurationCount() {
        return webhooks.get("/actuator/prometheus", "Authorization", METRICS).body().lines()
                .filter(line -> line.startsWith("bundle_webhook_duration_seconds_count"))
                .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)))
                .findFirst().orElse(0);
    }
}
