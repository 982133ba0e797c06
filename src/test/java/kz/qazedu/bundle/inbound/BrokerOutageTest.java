package kz.qazedu.bundle.inbound;

import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.TestDatabase;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.apache.activemq.broker.BrokerService;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A stand-alone ActiveMQ broker over TCP, as in production, that goes down and comes back, here even with an
 * empty store (its queues gone). The webhook's durable point is the journal in PostgreSQL, so intake keeps
 * answering 202 while the broker is down, and the liveness and readiness probes stay UP (the broker's state is
 * shown beside readiness); the relay recreates the consumer queues and delivers the backlog once the broker is
 * back, each event once, and nothing is lost.
 */
@DirtiesContext
class BrokerOutageTest extends IntegrationTest {

    private static final File DATA = new File("target/activemq-outage");
    private static final String OPERATOR = "Bearer test-api-token";
    private static int port;
    private static BrokerService broker;

    @DynamicPropertySource
    static void externalBroker(DynamicPropertyRegistry properties) throws Exception {
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        broker = startBroker();
        properties.add("bundle.broker.url", () -> "tcp://127.0.0.1:" + port);
        // a journal of its own: the test contexts that share the database have relays to other brokers
        properties.add("spring.datasource.url", () -> TestDatabase.url("broker_outage"));
        properties.add("spring.flyway.schemas", () -> "broker_outage");
        properties.add("bundle.relay.lock-key", () -> "7318202");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.stop();
    }

    @Autowired
    MeterRegistry meters;

    @Test
    void eventsAcceptedWhileTheBrokerIsDownAreDeliveredWhenItReturns() throws Exception {
        String instance = uniqueInstance();
        post(instance, "before");
        eventually().until(() -> count("select count(*) from message where instance = ?", instance) == 1);

        broker.stop();
        broker.waitUntilStopped();
        eventually().until(BrokerOutageTest::brokerRefusesConnections);
        double setAsideBefore = meters.counter("bundle.events.dead", "stage", "relay").count();
        for (int i = 0; i < 20; i++) {
            // three chats: the relay's failing rounds must not take the outage for a bad event of one of them
            assertThat(post(instance, "during-" + i, "7705000000" + (i % 3) + "@s.whatsapp.net")).isEqualTo(202);
        }
        assertThat(webhooks.get("/actuator/health/liveness").status()).as("liveness").isEqualTo(200);
        Reply readiness = webhooks.get("/actuator/health/readiness", "Authorization", OPERATOR);
        assertThat(readiness.status()).as("readiness: webhooks are still taken durably").isEqualTo(200);
        assertThat(readiness.json().path("status").asText()).isEqualTo("UP");
        assertThat(readiness.json().path("broker").path("status").asText()).as("shown").isEqualTo("DOWN");
        assertThat(webhooks.get("/actuator/health/readiness").body()).isEqualTo("{\"status\":\"UP\"}");
        Reply health = webhooks.get("/actuator/health", "Authorization", OPERATOR);
        assertThat(health.status()).as("the whole health counts the broker, as it always did").isEqualTo(503);
        assertThat(health.json().path("components").path("jms").path("status").asText()).isEqualTo("DOWN");
        assertThat(unpublished(instance))
                .isEqualTo(20);
        // long enough for the relay to narrow its failing rounds down to one event and try the other chats without it
        double failures = meters.counter("bundle.relay.failures").count();
        Awaitility.await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100))
                .until(() -> meters.counter("bundle.relay.failures").count() >= failures + 8);

        broker = startBroker();
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(
                () -> count("select count(*) from message where instance = ?", instance) == 21);
        assertThat(unpublished(instance))
                .isZero();
        assertThat(count("select count(*) from inbound_event where instance = ?", instance)).isEqualTo(21);
        eventually().until(() -> webhooks.get("/actuator/health", "Authorization", OPERATOR).status() == 200);
        assertThat(meters.counter("bundle.events.dead", "stage", "relay").count()).as("nothing set aside")
                .isEqualTo(setAsideBefore);
    }

    private int post(String instance, String id) {
        return post(instance, id, "77051234567@s.whatsapp.net");
    }

    private int post(String instance, String id, String chat) {
        return webhooks.post(EvolutionSamples.textMessage(instance, chat, id, id)).status();
    }

    private static boolean brokerRefusesConnections() {
        try (Socket ignored = new Socket("127.0.0.1", port)) {
            return false;
        } catch (IOException refused) {
            return true;
        }
    }

    private static BrokerService startBroker() throws Exception {
        BrokerService service = new BrokerService();
        service.setBrokerName("outage-" + UUID.randomUUID());
        service.setDataDirectoryFile(DATA);
        service.setUseJmx(false);
        service.addConnector("tcp://127.0.0.1:" + port);
        service.start();
        service.waitUntilStarted();
        return service;
    }
}
