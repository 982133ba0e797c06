package kz.qazedu.bundle.event;

import java.util.Map;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The virtual topic of each {@link EventFamily} ({@code bundle.topic.*}, {@code TOPIC_*}; defaults in
 * {@code application.properties}), keyed as the family's property names it: {@code messages-upsert} for
 * {@code bundle.topic.messages-upsert}. The routes read some of them too.
 *
 * @param topic the topics by property name
 */
@ConfigurationProperties("bundle")
public record TopicSettings(Map<String, String> topic) implements CheckedSettings {

    private static final String PREFIX = "bundle.topic.";

    public TopicSettings {
        topic = topic == null ? Map.of() : Map.copyOf(topic);
    }

    /** The topic of {@code family}, or null when none is set. */
    public String of(EventFamily family) {
        return topic.get(name(family));
    }

    @Override
    public void check(SettingProblems problems) {
        for (EventFamily family : EventFamily.values()) {
            problems.notBlank("topic." + name(family), of(family));
        }
    }

    private static String name(EventFamily family) {
        return family.topicProperty().substring(PREFIX.length());
    }
}
