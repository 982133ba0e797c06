package kz.qazedu.bundle.inbound;

import static kz.qazedu.bundle.support.EvolutionSamples.JSON;
import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import jakarta.jms.Connection;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.IntegrationTest;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.camel.builder.RouteBuilder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * routes/event-outbox-relay.camel.yaml: every stored event reaches the virtual topic of its family once, with its
 * correlation properties, and events of one chat keep their order through concurrent consumers.
 */
class EventOutboxRelayTest extends IntegrationTest {

    private static final Map<String, String> FAMILY_TOPIC = Map.of(
            "messages.upsert", "VirtualTopic.evolution.messages-upsert",
            "messages.update", "VirtualTopic.evolution.messages-update",
            "send.message", "VirtualTopic.evolution.send-message",
            "connection.update", "VirtualTopic.evolution.connection-update",
            "qrcode.updated", "VirtualTopic.evolution.qrcode-updated",
            "other", "VirtualTopic.evolution.other");

    @Autowired
    ActiveMQConnectionFactory broker;

    @Autowired
    EventOutbox outbox;

    @Autowired
    TransactionTemplate transactions;

    @Autowired
    javax.sql.DataSource dataSource;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    @Value("${bundle.topic.messages-upsert}")
    String messagesUpsertTopic;

    private Connection connection;
    private Session session;

    @BeforeEach
    void connect() throws Exception {
        connection = broker.createConnection();
        connection.start();
        session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
    }

    @AfterEach
    void disconnect() throws Exception {
        connection.close();
    }

    @Test
    void everyEventReachesTheQueueOfItsFamilyOnceWithItsCorrelationProperties() throws Exception {
        // another system's own durable copy of each stream: Consumer.<its name>.<topic>
        String subscriber = "it-" + UUID.randomUUID().toString().substring(0, 8);
        Map<String, MessageConsumer> queues = new HashMap<>();
        for (Map.Entry<String, String> family : FAMILY_TOPIC.entrySet()) {
            queues.put(family.getKey(),
                    session.createConsumer(session.createQueue("Consumer." + subscriber + "." + family.getValue())));
        }

        String instance = uniqueInstance();
        Map<String, ObjectNode> posted = new HashMap<>();
        for (String name : EvolutionSamples.names()) {
            ObjectNode body = sample(name, instance);
            String eventId = webhooks.post(body).json().path("eventId").asText();
            posted.put(eventId, body);
        }

        Map<String, String> familyOfReceived = new HashMap<>();
        for (Map.Entry<String, MessageConsumer> queue : queues.entrySet()) {
            TextMessage message;
            while ((message = (TextMessage) queue.getValue().receive(3000)) != null) {
                String eventId = message.getStringProperty("eventId");
                assertThat(familyOfReceived).as("delivered once: " + eventId).doesNotContainKey(eventId);
                familyOfReceived.put(eventId, queue.getKey());

                ObjectNode body = posted.get(eventId);
                assertThat(body).as("a posted event").isNotNull();
                assertThat(JSON.readTree(message.getText())).isEqualTo(EvolutionSamples.asStored(body));
                assertThat(message.getStringProperty("eventType")).isEqualTo(body.path("event").asText());
                assertThat(message.getStringProperty("instance")).isEqualTo(instance);
                assertThat(message.getJMSDeliveryMode()).isEqualTo(jakarta.jms.DeliveryMode.PERSISTENT);
                Map<String, Object> stored = jdbc.queryForMap(
                        "select chat_id, message_id from inbound_event where event_id = ?", eventId);
                assertThat(message.getStringProperty("chatId")).isEqualTo(stored.get("chat_id"));
                assertThat(message.getStringProperty("messageId")).isEqualTo(stored.get("message_id"));
                assertThat(message.getStringProperty("JMSXGroupID")).isEqualTo(
                        stored.get("chat_id") == null ? instance : instance + "|" + stored.get("chat_id"));
                if (queues.size() == 6 && queue.getKey().equals("other")) {
                    assertThat(FAMILY_TOPIC).doesNotContainKey(body.path("event").asText());
                }
            }
        }

        assertThat(familyOfReceived).hasSize(posted.size());
        posted.forEach((eventId, body) -> {
            String event = body.path("event").asText();
            assertThat(familyOfReceived.get(eventId)).as(event)
                    .isEqualTo(FAMILY_TOPIC.containsKey(event) ? event : "other");
        });
        assertThat(unpublished(instance))
                .isZero();
    }

    @Test
    void theRelayNeverPassesAnEventWhoseTransactionMayStillCommit() throws Exception {
        String subscriber = "horizon-" + UUID.randomUUID().toString().substring(0, 8);
        MessageConsumer stream = session.createConsumer(
                session.createQueue("Consumer." + subscriber + "." + messagesUpsertTopic));
        String instance = uniqueInstance();
        String chat = "77051110000@s.whatsapp.net";

        // another writer (a second replica's journal) has stored the chat's first event but not committed yet
        ObjectNode first = message(instance, chat, "first");
        String firstId = "evt_" + UUID.randomUUID().toString().replace("-", "");
        try (java.sql.Connection writer = dataSource.getConnection()) {
            writer.setAutoCommit(false);
            try (var insert = writer.prepareStatement("""
                    with e as (insert into inbound_event (event_id, event_type, instance, chat_id, message_id, payload,
                                                          received_at)
                               values (?, 'messages.upsert', ?, ?, ?, ?::jsonb, now()) returning seq)
                    insert into event_outbox (seq) select seq from e
                    """)) {
                insert.setString(1, firstId);
                insert.setString(2, instance);
                insert.setString(3, chat);
                insert.setString(4, first.path("data").path("key").path("id").asText());
                insert.setString(5, first.toString());
                insert.executeUpdate();
            }
            // meanwhile this replica accepts an event of another chat, and the relay goes round a few times
            assertThat(webhooks.post(message(instance, "77051110001@s.whatsapp.net", "other chat")).status()).isEqualTo(202);
            double roundsBefore = meters.counter("bundle.relay.rounds").count();
            eventually().until(() -> meters.counter("bundle.relay.rounds").count() >= roundsBefore + 5);
            writer.commit();
        }
        // the chat's next event, posted after the first one was acknowledged
        assertThat(webhooks.post(message(instance, chat, "second")).status()).isEqualTo(202);

        List<String> order = new ArrayList<>();
        TextMessage received;
        while (order.size() < 3 && (received = (TextMessage) stream.receive(20_000)) != null) {
            var body = JSON.readTree(received.getText());
            if (chat.equals(body.path("data").path("key").path("remoteJid").asText())) {
                order.add(body.path("data").path("message").path("conversation").asText());
            } else {
                order.add("other");
            }
        }
        assertThat(order).containsSubsequence("first", "second").contains("other");
        stream.close();
    }

    private static ObjectNode message(String instance, String chat, String text) {
        return EvolutionSamples.textMessage(instance, chat, EvolutionSamples.newMessageId(), text);
    }

    /** Hashes the text {@code rounds} times: CPU work of uneven length, as real processing would be. */
    private static void work(int rounds, String text) throws Exception {
        java.security.MessageDigest digest = java.security.MessageDigest.getInstance("SHA-256");
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        for (int i = 0; i < rounds; i++) {
            bytes = digest.digest(bytes);
        }
    }

    @Test
    void aRelayRoundCarriesAtMostItsByteBudgetOfBigMediaEvents() throws Exception {
        camelContext.getRouteController().stopRoute("event-outbox-relay");
        String instance = uniqueInstance();
        try {
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                ObjectNode media = sample("messages.upsert.image-caption.json", instance);
                media.with("data").with("key").put("id", "big-" + i);
                byte[] image = new byte[5 * 1024 * 1024];
                ThreadLocalRandom.current().nextBytes(image);
                ((ObjectNode) media.path("data").path("message")).put("base64", Base64.getEncoder().encodeToString(image));
                ids.add(webhooks.post(media).json().path("eventId").asText());
            }

            // three events of ~7 MB against the 16 MB budget: the oldest two go in this round
            List<OutboxEvent> round = transactions.execute(status -> outbox.claimBatch());
            assertThat(round).extracting(OutboxEvent::eventId).containsExactly(ids.get(0), ids.get(1));
        } finally {
            camelContext.getRouteController().startRoute("event-outbox-relay");
        }
        eventually().until(() -> count("select count(*) from message where instance = ?", instance) == 3);
    }

    @Test
    void eventsOfOneChatAreProcessedInTheOrderAcceptedWhileChatsRunInParallel() throws Exception {
        String subscriber = "order-" + UUID.randomUUID().toString().substring(0, 8);
        String queue = "Consumer." + subscriber + "." + messagesUpsertTopic;
        session.createConsumer(session.createQueue(queue)).close();

        String instance = uniqueInstance();
        Map<String, List<Integer>> processed = new ConcurrentHashMap<>();
        String routeId = subscriber;
        camelContext.addRoutes(new RouteBuilder() {
            @Override
            public void configure() {
                from("activemq6:queue:" + queue + "?concurrentConsumers=4&transacted=true").routeId(routeId)
                        .process(exchange -> {
                            // uneven work per message: without per-chat ordering this reorders a chat's messages
                            String text = exchange.getMessage().getBody(String.class);
                            work(ThreadLocalRandom.current().nextInt(1, 400), text);
                            var json = JSON.readTree(text);
                            String chat = json.path("data").path("key").path("remoteJid").asText();
                            int sequence = Integer.parseInt(json.path("data").path("message").path("conversation").asText());
                            processed.computeIfAbsent(chat, c -> Collections.synchronizedList(new ArrayList<>())).add(sequence);
                        });
            }
        });

        int chats = 8;
        int perChat = 25;
        ExecutorService senders = Executors.newFixedThreadPool(chats);
        List<Future<?>> sent = new ArrayList<>();
        for (int c = 0; c < chats; c++) {
            String chat = "7700000000" + c + "@s.whatsapp.net";
            sent.add(senders.submit(() -> {
                for (int i = 0; i < perChat; i++) {
                    ObjectNode body = sample("messages.upsert.text.json", instance);
                    ObjectNode key = (ObjectNode) body.path("data").path("key");
                    key.put("remoteJid", chat).put("id", UUID.randomUUID().toString()).remove("remoteJidAlt");
                    ((ObjectNode) body.path("data").path("message")).put("conversation", String.valueOf(i));
                    assertThat(webhooks.post(body).status()).isEqualTo(202);
                }
            }));
        }
        for (Future<?> f : sent) {
            f.get(60, TimeUnit.SECONDS);
        }
        senders.shutdown();

        eventually().until(() -> processed.values().stream().mapToInt(List::size).sum() == chats * perChat);
        assertThat(processed).hasSize(chats);
        processed.forEach((chat, sequence) -> assertThat(sequence).as(chat).isSorted().hasSize(perChat));
        // and the bundle's own store consumers saw every one of them
        eventually().until(() -> count("select count(*) from message where instance = ?", instance) == chats * perChat);

        camelContext.getRouteController().stopRoute(routeId);
        camelContext.removeRoute(routeId);
    }
}
