package kz.qazedu.bundle.message;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageConsumer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import kz.qazedu.bundle.event.EventFamily;
import kz.qazedu.bundle.event.EventTopics;
import kz.qazedu.bundle.inbound.OutboxEvent;
import org.apache.activemq.ActiveMQConnection;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.apache.activemq.command.ActiveMQQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.stereotype.Component;

/**
 * Earlier versions of the bundle stored message events by reading its own virtual-topic queues
 * ({@code Consumer.<store>.<topic>} of messages-upsert, messages-update, send-message and other); the relay now
 * writes them in its own transaction. Left alone, those queues would keep receiving a copy of every event with no
 * one to read it. After an upgrade this stores what the old version left in them, then removes them, retrying every
 * 30 s while the broker is unreachable or a replica of the old version still reads them.
 */
@Component
public class RetiredStoreQueues implements SmartInitializingSingleton, DisposableBean {

    private static final Logger LOG = LoggerFactory.getLogger(RetiredStoreQueues.class);
    private static final long RETRY_SECONDS = 30;
    /** The families whose store queues earlier versions read. */
    private static final List<EventFamily> RETIRED = List.of(EventFamily.MESSAGES_UPSERT, EventFamily.MESSAGES_UPDATE,
            EventFamily.SEND_MESSAGE, EventFamily.OTHER);

    private final ActiveMQConnectionFactory connectionFactory;
    private final MessageStore store;
    private final List<String> remaining;
    private final ScheduledExecutorService retries = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "retired-store-queues");
        thread.setDaemon(true);
        return thread;
    });

    public RetiredStoreQueues(
            ActiveMQConnectionFactory connectionFactory,
            MessageStore store,
            EventTopics topics,
            StoreSettings settings) {
        this.connectionFactory = connectionFactory;
        this.store = store;
        this.remaining = new ArrayList<>(RETIRED.stream().map(family -> topics.consumerQueue(settings.consumerName(), family))
                .toList());
    }

    @Override
    public void afterSingletonsInstantiated() {
        retries.execute(this::retire);
    }

    @Override
    public void destroy() {
        retries.shutdownNow();
    }

    synchronized void retire() {
        try (ActiveMQConnection connection = (ActiveMQConnection) connectionFactory.createConnection()) {
            connection.start();
            Session session = connection.createSession(true, Session.SESSION_TRANSACTED);
            for (String queue : List.copyOf(remaining)) {
                int stored = drain(session, queue);
                try {
                    connection.destroyDestination(new ActiveMQQueue(queue));
                    remaining.remove(queue);
                    if (stored > 0) {
                        LOG.info("Stored {} message event(s) left in the retired queue {} and removed it", stored, queue);
                    }
                } catch (JMSException inUse) {
                    LOG.info("Retired queue {} still has a reader (a replica of an earlier version?): {}", queue,
                            inUse.getMessage());
                }
            }
        } catch (JMSException | RuntimeException e) {
            if (retries.isShutdown()) {
                return;
            }
            LOG.warn("Cannot retire the old store queues yet: {}", e.toString());
        }
        if (!remaining.isEmpty() && !retries.isShutdown()) {
            retries.schedule(this::retire, RETRY_SECONDS, TimeUnit.SECONDS);
        }
    }

    private int drain(Session session, String queue) throws JMSException {
        int stored = 0;
        try (MessageConsumer consumer = session.createConsumer(session.createQueue(queue))) {
            for (Message message = consumer.receive(500); message != null; message = consumer.receive(500)) {
                if (message instanceof TextMessage text && message.getStringProperty("eventType") != null) {
                    store.storeAll(List.of(new OutboxEvent(null, message.getLongProperty("journalSeq"),
                            message.getStringProperty("eventId"), message.getStringProperty("eventType"), null,
                            message.getStringProperty("instance"), message.getStringProperty("chatId"),
                            message.getStringProperty("messageId"), null, receivedAt(message),
                            text.getText())));
                    stored++;
                }
                session.commit();
            }
        }
        return stored;
    }

    /** The message's {@code receivedAt} stamp; not one the message tables need, so a missing or odd one is no loss. */
    private static Instant receivedAt(Message message) throws JMSException {
        String stamp = message.getStringProperty("receivedAt");
        try {
            return stamp == null ? null : Instant.parse(stamp);
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
