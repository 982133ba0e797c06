package kz.qazedu.bundle.inbound;

import java.io.IOException;
import java.util.List;

import jakarta.jms.Connection;
import jakarta.jms.JMSException;
import jakarta.jms.Session;
import kz.qazedu.bundle.event.EventFamily;
import kz.qazedu.bundle.event.EventTopics;
import kz.qazedu.bundle.message.StoreSettings;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.transport.TransportListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Creates the bundle's own virtual-topic consumer queues before anything is published. A virtual topic copies a
 * message only into consumer queues that exist at that moment, so a queue created later would miss what came
 * before. This runs before the relay starts, and again before the relay's next batch whenever a broker
 * connection has failed (a broker that comes back with an empty store has lost its queues).
 */
@Component("consumerQueues")
public class ConsumerQueues implements SmartInitializingSingleton, TransportListener {

    private static final Logger LOG = LoggerFactory.getLogger(ConsumerQueues.class);

    private final ActiveMQConnectionFactory connectionFactory;
    private final List<String> queues;
    private volatile boolean ensured;

    public ConsumerQueues(
            ActiveMQConnectionFactory connectionFactory,
            EventTopics topics,
            StoreSettings store) {
        this.connectionFactory = connectionFactory;
        // the message tables are written by the relay itself (MessageStore); only the instance stores read queues
        this.queues = List.of(EventFamily.CONNECTION_UPDATE, EventFamily.QRCODE_UPDATED).stream()
                .map(family -> topics.consumerQueue(store.consumerName(), family)).toList();
        connectionFactory.setTransportListener(this);
    }

    @Override
    public void onException(IOException error) {
        ensured = false;
    }

    @Override
    public void transportInterupted() {
        ensured = false;
    }

    @Override
    public void transportResumed() {
        // the next batch checks the queues again
    }

    @Override
    public void onCommand(Object command) {
        // not interested in traffic
    }

    @Override
    public void afterSingletonsInstantiated() {
        try {
            ensureExist();
        } catch (IllegalStateException e) {
            // the intake still works (events wait in the journal); the relay creates the queues before publishing
            LOG.warn("{}; the relay will create them once the broker is reachable", e.getMessage());
        }
    }

    /** Creates the queues unless they are known to exist since the last broker connection failure. */
    public void ensureExist() {
        if (ensured) {
            return;
        }
        try (Connection connection = connectionFactory.createConnection()) {
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            for (String queue : queues) {
                session.createConsumer(session.createQueue(queue)).close();
            }
            session.close();
            ensured = true;
            LOG.info("Consumer queues ready: {}", queues);
        } catch (JMSException e) {
            throw new IllegalStateException("Cannot reach the broker to create the consumer queues: " + e.getMessage(), e);
        }
    }
}
