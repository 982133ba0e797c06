package kz.qazedu.bundle.message;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import jakarta.jms.Connection;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import kz.qazedu.bundle.event.EventTopics;
import kz.qazedu.bundle.support.IntegrationTest;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.command.ActiveMQDestination;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * After an upgrade, what an earlier version left in its own store queues is stored, and the queues are removed so
 * that they stop collecting copies of every event.
 */
class RetiredStoreQueuesTest extends IntegrationTest {

    @Autowired
    ActiveMQConnectionFactory broker;

    @Autowired
    BrokerService embeddedBroker;

    @Autowired
    MessageStore store;

    @Autowired
    EventTopics topics;

    @Value("${bundle.store.consumer-name}")
    String consumer;

    @Value("${bundle.topic.messages-upsert}")
    String messagesUpsert;

    @Value("${bundle.topic.messages-update}")
    String messagesUpdate;

    @Value("${bundle.topic.send-message}")
    String sendMessage;

    @Value("${bundle.topic.other}")
    String other;

    @Test
    void messagesLeftInTheOldStoreQueuesAreStoredAndTheQueuesRemoved() throws Exception {
        String instance = uniqueInstance();
        String queue = "Consumer." + consumer + "." + messagesUpsert;
        try (Connection connection = broker.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage left = session.createTextMessage(sample("messages.upsert.text.json", instance).toString());
            left.setStringProperty("eventId", "evt_left_" + instance);
            left.setStringProperty("eventType", "messages.upsert");
            left.setStringProperty("instance", instance);
            left.setLongProperty("journalSeq", 1);
            session.createProducer(session.createQueue(queue)).send(left);
        }
        assertThat(queueNames()).contains(queue);

        new RetiredStoreQueues(broker, store, topics, new StoreSettings(consumer)).retire();

        assertThat(count("select count(*) from message where instance = ?", instance)).isEqualTo(1);
        assertThat(queueNames()).doesNotContain(queue, "Consumer." + consumer + "." + messagesUpdate,
                "Consumer." + consumer + "." + sendMessage, "Consumer." + consumer + "." + other);
    }

    private java.util.List<String> queueNames() throws Exception {
        return embeddedBroker.getRegionBroker().getDestinationMap().keySet().stream()
                .filter(ActiveMQDestination::isQueue).map(ActiveMQDestination::getPhysicalName).toList();
    }
}
