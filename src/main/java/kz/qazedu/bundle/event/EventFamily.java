package kz.qazedu.bundle.event;

import java.util.Map;

/**
 * Where an event goes on the broker: the relay puts each event on the virtual topic of its family, named by the
 * family's property ({@code TOPIC_*} in {@code application.properties}), with the family's {@link #wireName()} as
 * the broker message's {@code family} property. Five of Evolution's events have a family of their own, the
 * bundle's own events ({@code outbound.*}) share one, and every other event type goes to {@link #OTHER}.
 */
public enum EventFamily {

    MESSAGES_UPSERT(EventTypes.MESSAGES_UPSERT, "bundle.topic.messages-upsert"),
    MESSAGES_UPDATE(EventTypes.MESSAGES_UPDATE, "bundle.topic.messages-update"),
    SEND_MESSAGE(EventTypes.SEND_MESSAGE, "bundle.topic.send-message"),
    CONNECTION_UPDATE(EventTypes.CONNECTION_UPDATE, "bundle.topic.connection-update"),
    QRCODE_UPDATED(EventTypes.QRCODE_UPDATED, "bundle.topic.qrcode-updated"),
    /** The bundle's own events about the messages it sends and the instances' sending. */
    OUTBOUND("outbound", "bundle.topic.outbound"),
    /** Every other event type. */
    OTHER("other", "bundle.topic.other");

    /** The families named after the one event type they hold. */
    private static final Map<String, EventFamily> BY_TYPE = Map.of(
            MESSAGES_UPSERT.wireName, MESSAGES_UPSERT,
            MESSAGES_UPDATE.wireName, MESSAGES_UPDATE,
            SEND_MESSAGE.wireName, SEND_MESSAGE,
            CONNECTION_UPDATE.wireName, CONNECTION_UPDATE,
            QRCODE_UPDATED.wireName, QRCODE_UPDATED);

    private final String wireName;
    private final String topicProperty;

    EventFamily(String wireName, String topicProperty) {
        this.wireName = wireName;
        this.topicProperty = topicProperty;
    }

    /** The family as broker messages name it ({@code family} property): the event type, or outbound, or other. */
    public String wireName() {
        return wireName;
    }

    /** The property that holds the family's virtual topic ({@code bundle.topic.*}). */
    public String topicProperty() {
        return topicProperty;
    }

    /** The family of an event type. */
    public static EventFamily of(String eventType) {
        if (eventType.startsWith(EventTypes.OUTBOUND_PREFIX)) {
            return OUTBOUND;
        }
        return BY_TYPE.getOrDefault(eventType, OTHER);
    }
}
