package kz.qazedu.bundle.inbound;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.UUID;

import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.support.IntegrationTest;
import org.apache.activemq.broker.BrokerService;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * A stand-alone ActiveMQ broker over TCP, as in production, that goes down and comes back, here even with an
 * empty store (its queues gone). The webhook's durable point is the journal in PostgreSQL, so intake keeps
 * answering 202 while the broker is down; the relay recreates the consumer queues and delivers the backlog once
 * the broker is back, each event once, and nothing is lost.
 */
@DirtiesContext
class BrokerOutageTest extends IntegrationTest {

    private static final File DATA = new File("target/activemq-outage");
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
        properties.add("spring.datasource.url", () -> "jdbc:postgresql://127.0.0.1:5432/test?currentSchema=broker_outage");
        properties.add("spring.flyway.schemas", () -> "broker_outage");
        properties.add("bundle.relay.lock-key", () -> "7318202");
    }

    @AfterAll
    static void stopBroker() throws Exception {
        broker.stop();
    }

    @Test
    void eventsAcceptedWhileTheBrokerIsDownAreDeliveredWhenItReturns() throws Exception {
        String instance = uniqueInstance();
        post(instance, "before");
        eventually().until(() -> count("select count(*) from message where instance = ?", instance) == 1);

        broker.stop();
        broker.waitUntilStopped();
        eventually().until(BrokerOutageTest::brokerRefusesConnections);
        for (int i = 0; i < 20; i++) {
            assertThat(post(instance, "during-" + i)).isEqualTo(202);
        }
        assertThat(unpublished(instance))
                .isEqualTo(20);

        broker = startBroker();
        Awaitility.await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200)).until(
                () -> count("select count(*) from message where instance = ?", instance) == 21);
        assertThat(unpublished(instance))
                .isZero();
        assertThat(count("select count(*) from inbound_event where instance = ?", instance)).isEqualTo(21);
    }

    private int post(String instance, String id) {
        ObjectNode body = sample("messages.upsert.text.json", instance);
        body.with("data").with("key").put("id", id);
        return webhooks.post(body).status();
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
