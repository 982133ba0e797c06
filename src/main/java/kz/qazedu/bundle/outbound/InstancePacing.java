package kz.qazedu.bundle.outbound;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.stereotype.Component;

/**
 * The pacing rules of each WhatsApp instance: the {@code bundle.outbound.*} defaults, with the overrides of
 * {@code bundle.outbound.pacing-overrides} for the instances that need their own (an old, trusted number may send
 * more; a fresh one less). Overrides are one line, so that they fit one environment variable:
 * <pre>clinic-01: dailyCap=200, quietHours=22:00-07:00; school-02: maxPerMinute=3, gapMin=10s, quietHours=none</pre>
 * Instances are separated by {@code ;}, the instance name comes before {@code :}, its settings are {@code key=value}
 * separated by {@code ,}, with the keys of {@link PacingRules#KEYS}. Everything is checked at startup: a typo in a
 * rule that keeps a number from being banned should stop the bundle, not be ignored.
 */
@Component("instancePacing")
public class InstancePacing {

    private static final String OVERRIDES = "bundle.outbound.pacing-overrides";

    private final PacingRules defaults;
    private final Map<String, PacingRules> overridden;

    public InstancePacing(OutboundSettings settings) {
        try {
            this.defaults = new PacingRules(settings.maxPerMinute(), settings.gapMin(), settings.gapMax(),
                    settings.typingPerChar(), settings.typingMin(), settings.typingMax(), settings.dailyCap(),
                    settings.firstContactDailyCap(), settings.recipientGap(), QuietHours.parse(settings.quietHours()),
                    PacingRules.zone(settings.timeZone()), settings.resumeDelay(), settings.resumeRampSends());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("bundle.outbound: " + e.getMessage(), e);
        }
        Map<String, PacingRules> overridden = new HashMap<>();
        parseOverrides(settings.pacingOverrides()).forEach((instance, changes) -> {
            try {
                overridden.put(instance, defaults.with(changes));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(OVERRIDES + ", instance " + instance + ": " + e.getMessage(), e);
            }
        });
        this.overridden = Map.copyOf(overridden);
    }

    /** The rules of every instance without overrides. */
    public PacingRules defaults() {
        return defaults;
    }

    /**
     * The longest typing delay of any instance: Evolution holds a send this long before it answers, so the HTTP
     * timeout toward Evolution starts from here.
     */
    public java.time.Duration longestTyping() {
        return overridden.values().stream().map(PacingRules::typingMax)
                .reduce(defaults.typingMax(), (a, b) -> a.compareTo(b) >= 0 ? a : b);
    }

    /** The rules of {@code instance}: the defaults with its overrides applied. */
    public PacingRules forInstance(String instance) {
        return instance == null ? defaults : overridden.getOrDefault(instance, defaults);
    }

    /** Per instance, in order, its settings as text; a blank text means none. */
    static Map<String, Map<String, String>> parseOverrides(String text) {
        Map<String, Map<String, String>> overrides = new LinkedHashMap<>();
        if (text == null || text.isBlank()) {
            return overrides;
        }
        for (String part : text.split(";")) {
            if (part.isBlank()) {
                continue;
            }
            int colon = part.indexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException(OVERRIDES + ": '" + part.trim()
                        + "' is not 'instance: key=value, ...' (instances are separated by ;)");
            }
            String instance = part.substring(0, colon).trim();
            if (instance.isEmpty()) {
                throw new IllegalArgumentException(OVERRIDES + ": no instance name before ':' in '" + part.trim() + "'");
            }
            if (overrides.containsKey(instance)) {
                throw new IllegalArgumentException(OVERRIDES + ": instance " + instance + " is given twice");
            }
            Map<String, String> settings = new LinkedHashMap<>();
            for (String setting : part.substring(colon + 1).split(",")) {
                if (setting.isBlank()) {
                    continue;
                }
                int equals = setting.indexOf('=');
                if (equals < 0) {
                    throw new IllegalArgumentException(OVERRIDES + ", instance " + instance + ": '" + setting.trim()
                            + "' is not key=value");
                }
                String key = setting.substring(0, equals).trim();
                if (settings.put(key, setting.substring(equals + 1).trim()) != null) {
                    throw new IllegalArgumentException(OVERRIDES + ", instance " + instance + ": " + key + " is given twice");
                }
            }
            overrides.put(instance, settings);
        }
        return overrides;
    }
}
