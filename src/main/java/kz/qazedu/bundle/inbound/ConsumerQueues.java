package kz.qazedu.bundle.inbound;

import java.util.List;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Session;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Creates the bundle's own virtual-topic consumer queues before anything is published. A virtual topic copies a
 * message only into consumer queues that exist at that moment, so a queue created later would miss what came
 * before; this runs before the relay starts, on an embedded or an external broker alike.
 */
@Component
public class ConsumerQueues implements SmartInitializingSingleton {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerQueues.class);

    private final ActiveMQConnectionFactory connectionFactory;
    private final List<String> queues;

    public ConsumerQueues(
            ActiveMQConnectionFactory connectionFactory,
            @Value("${bundle.store.consumer-name}") String storeConsumer,
            @Value("${bundle.topic.messages-upsert}") String messagesUpsert,
            @Value("${bundle.topic.messages-update}") String messagesUpdate,
            @Value("${bundle.topic.send-message}") String sendMessage,
            @Value("${bundle.topic.connection-update}") String connectionUpdate,
            @Value("${bundle.topic.qrcode-updated}") String qrcodeUpdated) {
        this.connectionFactory = connectionFactory;
        this.queues = List.of(messagesUpsert, messagesUpdate, sendMessage, connectionUpdate, qrcodeUpdated).stream()
                .map(topic -> "Consumer." + storeConsumer + "." + topic)
                .toList();
    }

    public List<String> queues() {
        return queues;
    }

    @Override
    public void afterSingletonsInstantiated() {
        try (Connection connection = connectionFactory.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            for (String queue : queues) {
                session.createConsumer(session.createQueue(queue)).close();
            }
            session.close();
            LOG.info("Consumer queues ready: {}", queues);
        } catch (JMSException e) {
            throw new IllegalStateException("Cannot reach the broker to create the consumer queues", e);
        }
    }
}
