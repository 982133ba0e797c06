package kz.qazedu.bundle.inbound;

import java.util.Map;

import org.apache.camel.Headers;
import org.springframework.stereotype.Component;

/**
 * Turns a stored event into the broker message other systems consume: the webhook JSON as body, and the
 * correlation properties documented in the README ({@code eventId}, {@code eventType}, {@code instance},
 * {@code chatId}, {@code messageId}, {@code receivedAt}, {@code journalSeq} (increasing in acceptance order), and {@code JMSXGroupID} = instance|chat, which keeps one
 * chat's events in order across consumers).
 */
@Component("brokerMessageStamp")
public class BrokerMessageStamp {

    /** @return the body of the broker message; {@code headers} receives its properties */
    public String stamp(OutboxEvent event, @Headers Map<String, Object> headers) {
        headers.clear();
        headers.put("eventId", event.eventId());
        headers.put("eventType", event.eventType());
        headers.put("family", event.family());
        headers.put("instance", event.instance());
        putIfPresent(headers, "chatId", event.chatId());
        putIfPresent(headers, "messageId", event.messageId());
        headers.put("receivedAt", event.receivedAt());
        headers.put("journalSeq", event.seq());
        headers.put("JMSXGroupID", event.orderingKey());
        return event.payload();
    }

    private static void putIfPresent(Map<String, Object> headers, String name, String value) {
        if (value != null) {
            headers.put(name, value);
        }
    }
}
