package kz.qazedu.bundle.message;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import io.micrometer.core.instrument.MeterRegistry;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import kz.qazedu.bundle.support.IntegrationTest;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;

/**
 * The queue-consumer error policy (the instance stores read broker queues): a message the store cannot process is rolled back, redelivered by the broker
 * with backoff, then moved to the dead-letter queue DLQ.&lt;queue&gt;, not lost and not acknowledged, and counted.
 */
class QueueConsumerDeadLetterTest extends IntegrationTest {

    @Autowired
    ActiveMQConnectionFactory broker;

    @Value("${bundle.topic.connection-update}")
    String topic;

    @Value("${bundle.store.consumer-name}")
    String consumer;

    @Autowired
    MeterRegistry meters;

    @Test
    void aMessageTheStoreCannotProcessIsRedeliveredThenDeadLettered() throws Exception {
        String eventId = "evt_poison_" + UUID.randomUUID().toString().replace("-", "");
        double deadBefore = meters.counter("bundle.events.dead", "stage", "store").count();
        try (Connection connection = broker.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            TextMessage poison = session.createTextMessage("this is not an Evolution webhook");
            poison.setStringProperty("eventId", eventId);
            poison.setStringProperty("eventType", "connection.update");
            session.createProducer(session.createTopic(topic)).send(poison);

            String deadLetters = "DLQ.Consumer." + consumer + "." + topic;
            Message dead = session.createConsumer(session.createQueue(deadLetters), "eventId = '" + eventId + "'")
                    .receive(20_000);

            assertThat(dead).as("dead-lettered after the broker's redeliveries").isNotNull();
            assertThat(((TextMessage) dead).getText()).isEqualTo("this is not an Evolution webhook");
            assertThat(dead.getStringProperty("dlqDeliveryFailureCause")).contains("Delivery[3] exceeds redelivery policy limit");
            eventually().until(() -> meters.counter("bundle.events.dead", "stage", "store").count() >= deadBefore + 1);
        }
    }
}
