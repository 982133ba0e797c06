package kz.qazedu.bundle.inbound;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import jakarta.jms.Connection;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * The bundle's own embedded PostgreSQL goes down: the intake cannot make events durable, so it answers 503
 * (Evolution retries), readiness is DOWN while liveness stays UP (a restart would not help), and nothing of those
 * events is half-written anywhere (no row, no broker message). When the database is back, the intake works again
 * and readiness is UP, without a restart.
 */
@TestPropertySource(properties = {
        "spring.datasource.url=",
        "bundle.db.embedded-data-dir=target/postgres-outage/${random.uuid}",
        "bundle.journal.commit-timeout-ms=3000",
        "spring.datasource.hikari.connection-timeout=1000"})
@DirtiesContext
class DatabaseOutageTest extends IntegrationTest {

    @Autowired
    EmbeddedPostgres postgres;

    @Autowired
    ActiveMQConnectionFactory broker;

    @Value("${bundle.topic.messages-upsert}")
    String topic;

    @Test
    void answers503WhileTheDatabaseIsDownAndLeavesNothingHalfWritten() throws Exception {
        String instance = uniqueInstance();
        // the embedded database syncs every commit: a 202 means the event is on disk
        assertThat(jdbc.queryForObject("show synchronous_commit", String.class)).isEqualTo("on");
        assertThat(jdbc.queryForObject("show fsync", String.class)).isEqualTo("on");
        assertThat(post(instance, "before").status()).isEqualTo(202);
        eventually().until(() -> count("select count(*) from message where instance = ?", instance) == 1);

        try (Connection connection = broker.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            MessageConsumer stream = session.createConsumer(
                    session.createQueue("Consumer.outage-" + UUID.randomUUID() + "." + topic));

            int port = postgres.getPort();
            Path dataDirectory = dataDirectoryOf(postgres);
            postgres.close();

            Reply during = post(instance, "during");
            assertThat(during.status()).isEqualTo(503);
            assertThat(during.json().path("error").asText()).isEqualTo("unavailable");
            assertThat(during.json().path("correlationId").asText()).isNotBlank();
            assertThat(during.body()).doesNotContain("Exception").doesNotContain("SQL").doesNotContain("Connection");
            assertThat(stream.receive(2000)).as("no broker message for an event that was not stored").isNull();

            Reply readiness = webhooks.get("/actuator/health/readiness");
            assertThat(readiness.status()).as("readiness").isEqualTo(503);
            assertThat(readiness.body()).isEqualTo("{\"status\":\"DOWN\"}");
            Reply details = webhooks.get("/actuator/health/readiness", "Authorization", "Bearer test-api-token");
            assertThat(details.json().path("components").path("db").path("status").asText()).isEqualTo("DOWN");
            assertThat(details.json().path("components").path("journal").path("status").asText()).isEqualTo("UP");
            assertThat(webhooks.get("/actuator/health/liveness").status()).as("liveness").isEqualTo(200);

            try (EmbeddedPostgres restarted = EmbeddedPostgres.builder()
                    .setDataDirectory(dataDirectory).setCleanDataDirectory(false).setPort(port).start()) {
                Awaitility.await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(500))
                        .until(() -> post(instance, "after").status() == 202);
                assertThat(jdbc.queryForList("select message_id from inbound_event where instance = ? order by seq",
                        String.class, instance)).containsExactly("before", "after");
                eventually().until(() -> count("select count(*) from message where instance = ?", instance) == 2);
                assertThat(webhooks.get("/actuator/health/readiness").status()).as("readiness").isEqualTo(200);
                assertThat(stream.receive(5000).getStringProperty("messageId")).isEqualTo("after");
            }
        }
    }

    private Reply post(String instance, String id) {
        ObjectNode body = sample("messages.upsert.text.json", instance);
        body.with("data").with("key").put("id", id);
        return webhooks.post(body);
    }

    private static Path dataDirectoryOf(EmbeddedPostgres postgres) throws Exception {
        var field = EmbeddedPostgres.class.getDeclaredField("dataDirectory");
        field.setAccessible(true);
        return ((java.io.File) field.get(postgres)).toPath();
    }
}
