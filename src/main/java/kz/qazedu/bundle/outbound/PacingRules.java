package kz.qazedu.bundle.outbound;

import java.time.DateTimeException;
import java.time.Duration;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import kz.qazedu.bundle.runtime.Durations;

/**
 * How fast one WhatsApp instance may send. A number that sends like a machine (bursts, no typing, no quiet hours,
 * many strangers a day) is what WhatsApp bans, so every send is spaced, preceded by typing, capped per day and kept
 * out of the night.
 *
 * @param maxPerMinute         sends per minute at most; 0 means no per-minute limit
 * @param gapMin               shortest random pause between two sends
 * @param gapMax               longest random pause between two sends, also used while ramping up after a reconnection
 * @param typingPerChar        time shown as "typing..." per character of the text
 * @param typingMin            shortest typing time
 * @param typingMax            longest typing time
 * @param dailyCap             sends per local day at most
 * @param firstContactDailyCap sends per local day to recipients who never wrote to the instance; 0 forbids them
 * @param recipientGap         shortest time between two sends to the same recipient
 * @param quietHours           local time in which nothing is sent, or null for none
 * @param zone                 the zone of the instance's recipients: days, caps and quiet hours are in its local time
 * @param resumeDelay          how long to wait after the instance (re)connects before sending
 * @param resumeRampSends      how many sends after a reconnection use the longest gap
 */
public record PacingRules(int maxPerMinute, Duration gapMin, Duration gapMax, Duration typingPerChar,
        Duration typingMin, Duration typingMax, int dailyCap, int firstContactDailyCap, Duration recipientGap,
        QuietHours quietHours, ZoneId zone, Duration resumeDelay, int resumeRampSends) {

    /** The keys of {@link #with(Map)}: the component names, but {@code timeZone} for {@link #zone()}. */
    public static final List<String> KEYS = List.of("maxPerMinute", "gapMin", "gapMax", "typingPerChar", "typingMin",
            "typingMax", "dailyCap", "firstContactDailyCap", "recipientGap", "quietHours", "timeZone", "resumeDelay",
            "resumeRampSends");

    public PacingRules {
        Objects.requireNonNull(zone, "zone");
        requireNotNegative("maxPerMinute", maxPerMinute);
        requireNotNegative("dailyCap", dailyCap);
        requireNotNegative("firstContactDailyCap", firstContactDailyCap);
        requireNotNegative("resumeRampSends", resumeRampSends);
        requireNotNegative("gapMin", gapMin);
        requireNotNegative("gapMax", gapMax);
        requireNotNegative("typingPerChar", typingPerChar);
        requireNotNegative("typingMin", typingMin);
        requireNotNegative("typingMax", typingMax);
        requireNotNegative("recipientGap", recipientGap);
        requireNotNegative("resumeDelay", resumeDelay);
        if (gapMin.compareTo(gapMax) > 0) {
            throw new IllegalArgumentException("gapMin " + Durations.format(gapMin)
                    + " is longer than gapMax " + Durations.format(gapMax));
        }
        if (typingMin.compareTo(typingMax) > 0) {
            throw new IllegalArgumentException("typingMin " + Durations.format(typingMin)
                    + " is longer than typingMax " + Durations.format(typingMax));
        }
    }

    /**
     * These rules with some settings replaced, each given as text keyed by one of {@link #KEYS}: numbers as digits,
     * durations like {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, quiet hours like {@code 22:00-07:00} or
     * {@code none}, a zone like {@code Asia/Almaty}. Settings are applied together, so raising both gapMin and gapMax
     * past the old gapMax is fine.
     *
     * @throws IllegalArgumentException naming the key, for an unknown key, a value that does not parse, or rules
     *                                  that do not hold together
     */
    public PacingRules with(Map<String, String> settings) {
        int maxPerMinute = this.maxPerMinute;
        Duration gapMin = this.gapMin;
        Duration gapMax = this.gapMax;
        Duration typingPerChar = this.typingPerChar;
        Duration typingMin = this.typingMin;
        Duration typingMax = this.typingMax;
        int dailyCap = this.dailyCap;
        int firstContactDailyCap = this.firstContactDailyCap;
        Duration recipientGap = this.recipientGap;
        QuietHours quietHours = this.quietHours;
        ZoneId zone = this.zone;
        Duration resumeDelay = this.resumeDelay;
        int resumeRampSends = this.resumeRampSends;
        for (Map.Entry<String, String> setting : settings.entrySet()) {
            String key = setting.getKey();
            String value = setting.getValue() == null ? "" : setting.getValue().trim();
            if (!KEYS.contains(key)) {
                throw new IllegalArgumentException("unknown key " + key + " (known keys: " + String.join(", ", KEYS) + ")");
            }
            if (value.isEmpty()) {
                throw new IllegalArgumentException(key + " has no value");
            }
            try {
                switch (key) {
                    case "maxPerMinute" -> maxPerMinute = count(value);
                    case "gapMin" -> gapMin = Durations.parse(value);
                    case "gapMax" -> gapMax = Durations.parse(value);
                    case "typingPerChar" -> typingPerChar = Durations.parse(value);
                    case "typingMin" -> typingMin = Durations.parse(value);
                    case "typingMax" -> typingMax = Durations.parse(value);
                    case "dailyCap" -> dailyCap = count(value);
                    case "firstContactDailyCap" -> firstContactDailyCap = count(value);
                    case "recipientGap" -> recipientGap = Durations.parse(value);
                    case "quietHours" -> quietHours = QuietHours.parse(value);
                    case "timeZone" -> zone = zone(value);
                    case "resumeDelay" -> resumeDelay = Durations.parse(value);
                    default -> resumeRampSends = count(value);
                }
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("bad value of " + key + ": " + e.getMessage(), e);
            }
        }
        return new PacingRules(maxPerMinute, gapMin, gapMax, typingPerChar, typingMin, typingMax, dailyCap,
                firstContactDailyCap, recipientGap, quietHours, zone, resumeDelay, resumeRampSends);
    }

    /** A zone ID like {@code Asia/Almaty} or {@code +05:00}. */
    static ZoneId zone(String text) {
        try {
            return ZoneId.of(text.trim());
        } catch (DateTimeException e) {
            throw new IllegalArgumentException("not a time zone: '" + text + "' (expected a zone like Asia/Almaty)", e);
        }
    }

    private static int count(String text) {
        try {
            int value = Integer.parseInt(text);
            if (value < 0) {
                throw new IllegalArgumentException("must not be negative: " + text);
            }
            return value;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a whole number: '" + text + "'", e);
        }
    }

    private static void requireNotNegative(String key, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(key + " must not be negative: " + value);
        }
    }

    private static void requireNotNegative(String key, Duration value) {
        Objects.requireNonNull(value, key);
        if (value.isNegative()) {
            throw new IllegalArgumentException(key + " must not be negative: " + value);
        }
    }
}
