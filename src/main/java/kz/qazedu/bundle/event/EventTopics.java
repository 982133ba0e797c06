package kz.qazedu.bundle.event;

import java.util.EnumMap;
import java.util.Map;

import org.springframework.stereotype.Component;

/** The virtual topic of each {@link EventFamily}, as configured ({@code TOPIC_*}). */
@Component("eventTopics")
public class EventTopics {

    private final Map<EventFamily, String> topics = new EnumMap<>(EventFamily.class);

    public EventTopics(TopicSettings settings) {
        for (EventFamily family : EventFamily.values()) {
            topics.put(family, settings.of(family));
        }
    }

    public String of(EventFamily family) {
        return topics.get(family);
    }

    /** The durable queue through which {@code consumer} reads a family's topic: {@code Consumer.<name>.<topic>}. */
    public String consumerQueue(String consumer, EventFamily family) {
        return "Consumer." + consumer + "." + of(family);
    }
}
