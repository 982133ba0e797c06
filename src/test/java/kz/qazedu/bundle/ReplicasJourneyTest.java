package kz.qazedu.bundle;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static kz.qazedu.bundle.support.EvolutionSamples.json;
import static kz.qazedu.bundle.support.EvolutionSamples.newMessageId;
import static kz.qazedu.bundle.support.EvolutionSamples.textMessage;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import jakarta.jms.JMSSecurityException;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.Ports;
import kz.qazedu.bundle.support.TestDatabase;
import kz.qazedu.bundle.support.WebhookClient;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.camel.CamelContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Two bundle processes on one broker and one PostgreSQL, both taking webhooks (two journal writers), relaying (one
 * at a time) and forwarding to the CRM: chats that post in turn through both, each event only after the previous
 * one of its chat was acknowledged, reach the CRM complete and in order.
 */
@DirtiesContext
class ReplicasJourneyTest extends IntegrationTest {

    private static final WireMockServer CRM = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    private static final int BROKER_PORT = Ports.free();
    private static final String SCHEMA = "replicas";

    @DynamicPropertySource
    static void replicas(DynamicPropertyRegistry properties) {
        settings().forEach((key, value) -> properties.add(key, () -> value));
        properties.add("bundle.broker.embedded-listen", () -> "tcp://127.0.0.1:" + BROKER_PORT);
    }

    private static Map<String, String> settings() {
        if (!CRM.isRunning()) {
            CRM.start();
            CRM.stubFor(post(urlEqualTo("/crm")).willReturn(aResponse().withStatus(204)));
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bundle.crm.enabled", "true");
        settings.put("bundle.crm.url", "http://127.0.0.1:" + CRM.port() + "/crm");
        settings.put("spring.datasource.url", TestDatabase.url(SCHEMA));
        settings.put("spring.flyway.schemas", SCHEMA);
        settings.put("bundle.relay.lock-key", "7318205");
        // a cold JVM's first requests can be slow: this test is about order, not about retries
        settings.put("bundle.crm.timeout-ms", "10000");
        settings.put("bundle.crm.retry-schedule", "200ms,1s,2s,5s,10s");
        return settings;
    }

    @AfterAll
    static void stopCrm() {
        CRM.stop();
    }

    @Test
    void chatsPostingThroughBothReplicasReachTheCrmCompleteAndInOrder() throws Exception {
        List<String> arguments = new ArrayList<>();
        settings().forEach((key, value) -> arguments.add("--" + key + "=" + value));
        arguments.add("--bundle.broker.url=tcp://127.0.0.1:" + BROKER_PORT);
        try (ConfigurableApplicationContext replica = new SpringApplicationBuilder(BundleApplication.class)
                .profiles("test").run(arguments.toArray(String[]::new))) {
            List<WebhookClient> replicas = List.of(webhooks,
                    new WebhookClient(httpPort(replica.getBean(CamelContext.class))));
            String instance = uniqueInstance();
            int chats = 20;
            int perChat = 15;
            ExecutorService posters = Executors.newFixedThreadPool(chats);
            List<Future<?>> posted = new ArrayList<>();
            for (int c = 0; c < chats; c++) {
                String chat = "770512300" + String.format("%02d", c) + "@s.whatsapp.net";
                int first = c % 2;
                posted.add(posters.submit(() -> {
                    for (int i = 0; i < perChat; i++) {
                        WebhookClient through = replicas.get((first + i) % 2);
                        assertThat(through.post(message(instance, chat, i)).status()).isEqualTo(202);
                    }
                }));
            }
            for (Future<?> future : posted) {
                future.get(120, TimeUnit.SECONDS);
            }
            posters.shutdown();

            eventually().atMost(Duration.ofSeconds(60)).until(() -> received(instance).values().stream()
                    .mapToInt(List::size).sum() == chats * perChat);
            Map<String, List<Integer>> byChat = received(instance);
            assertThat(byChat).hasSize(chats);
            byChat.forEach((chat, sequence) -> assertThat(sequence).as(chat).hasSize(perChat).isSorted());
        }
    }

    @Test
    void theEmbeddedBrokersListenerTakesNoAnonymousClient() throws Exception {
        var url = "tcp://127.0.0.1:" + BROKER_PORT;
        try (var anonymous = new ActiveMQConnectionFactory(url).createConnection()) {
            assertThatThrownBy(anonymous::start).isInstanceOf(JMSSecurityException.class);
        } catch (JMSSecurityException refused) {
            // refused while connecting
        }
        try (var wrong = new ActiveMQConnectionFactory("test-broker", "wrong", url).createConnection()) {
            assertThatThrownBy(wrong::start).isInstanceOf(JMSSecurityException.class);
        } catch (JMSSecurityException refused) {
            // refused while connecting
        }
        try (var bundle = new ActiveMQConnectionFactory("test-broker", "test-broker-password", url).createConnection()) {
            bundle.start();
        }
    }

    /**
     * Per chat, the sequence numbers of the messages the CRM received, in the order it first received them (a
     * delivery whose answer came too late is delivered again with the same webhook-id, which a CRM deduplicates).
     */
    private static Map<String, List<Integer>> received(String instance) {
        List<ServeEvent> served = new ArrayList<>(CRM.getAllServeEvents());
        Collections.reverse(served);
        Map<String, List<Integer>> byChat = new LinkedHashMap<>();
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (ServeEvent event : served) {
            JsonNode body = json(event.getRequest().getBodyAsString());
            if (instance.equals(body.path("instance").asText()) && seen.add(event.getRequest().getHeader("webhook-id"))) {
                byChat.computeIfAbsent(body.path("chat").path("id").asText(), c -> new ArrayList<>())
                        .add(Integer.parseInt(body.path("message").path("text").asText()));
            }
        }
        return byChat;
    }

    private static ObjectNode message(String instance, String chat, int sequence) {
        return textMessage(instance, chat, newMessageId(), String.valueOf(sequence));
    }
}
