package kz.qazedu.bundle.inbound;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

import jakarta.jms.DeliveryMode;
import jakarta.jms.JMSException;
import jakarta.jms.Message;
import jakarta.jms.MessageProducer;
import jakarta.jms.Session;
import jakarta.jms.TextMessage;
import kz.qazedu.bundle.event.EventFamily;
import kz.qazedu.bundle.event.EventTopics;
import org.springframework.jms.connection.CachingConnectionFactory;
import org.springframework.jms.core.JmsTemplate;
import org.springframework.stereotype.Component;

/**
 * Puts a relay round's events on their streams: each event on the virtual topic of its family (see
 * {@link EventFamily}), as a persistent text message holding the stored payload, in the round's order, with
 * its chat as the message group ({@code JMSXGroupID}) so that every consumer queue hands a chat to one consumer at
 * a time, and these properties: {@code eventId}, {@code eventType}, {@code family}, {@code instance},
 * {@code chatId} and {@code messageId} (when the event has them), {@code receivedAt} and {@code journalSeq}.
 *
 * <p>Called inside the route's broker transaction ({@code transacted: jmsTransaction}): every send of the round
 * joins it, so the round is on the broker entirely or not at all. One call per round, one producer per family, no
 * per-event exchange: the sends are the relay's hottest loop.
 */
@Component("streamPublisher")
public class StreamPublisher {

    private final JmsTemplate jms;
    private final EventTopics topics;

    public StreamPublisher(CachingConnectionFactory jmsConnectionFactory, EventTopics topics) {
        this.jms = new JmsTemplate(jmsConnectionFactory);
        this.jms.setSessionTransacted(true);
        this.topics = topics;
    }

    public void publishAll(List<OutboxEvent> events) {
        jms.execute(session -> {
            Map<EventFamily, MessageProducer> producers = new EnumMap<>(EventFamily.class);
            try {
                for (OutboxEvent event : events) {
                    MessageProducer producer = producers.get(event.family());
                    if (producer == null) {
                        producer = session.createProducer(session.createTopic(topics.of(event.family())));
                        producers.put(event.family(), producer);
                    }
                    producer.send(toMessage(session, event), DeliveryMode.PERSISTENT, Message.DEFAULT_PRIORITY,
                            Message.DEFAULT_TIME_TO_LIVE);
                }
            } finally {
                for (MessageProducer producer : producers.values()) {
                    producer.close();
                }
            }
            return null;
        }, true);
    }

    private static TextMessage toMessage(Session session, OutboxEvent event) throws JMSException {
        TextMessage message = session.createTextMessage(event.payload());
        message.setStringProperty("eventId", event.eventId());
        message.setStringProperty("eventType", event.eventType());
        message.setStringProperty("family", event.family().wireName());
        message.setStringProperty("instance", event.instance());
        if (event.chatId() != null) {
            message.setStringProperty("chatId", event.chatId());
        }
        if (event.messageId() != null) {
            message.setStringProperty("messageId", event.messageId());
        }
        message.setStringProperty("receivedAt", event.receivedAt().toString());
        message.setLongProperty("journalSeq", event.seq());
        message.setStringProperty("JMSXGroupID", event.orderingKey());
        return message;
    }
}
