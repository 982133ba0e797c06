package kz.qazedu.bundle.runtime;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as operators write them in environment variables: {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h},
 * or a bare number of seconds. Shorter to type than ISO-8601 ({@code PT5S}) and unambiguous about the unit.
 */
public final class Durations {

    private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h)?");

    private Durations() {
    }

    /** The duration written in {@code text}; surrounding whitespace is ignored. */
    public static Duration parse(String text) {
        Matcher matcher = DURATION.matcher(text == null ? "" : text.trim());
        if (!matcher.matches()) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (expected a whole number with unit ms, s, m"
                    + " or h, like 250ms, 5s, 2m, 1h; a bare number means seconds)");
        }
        try {
            long value = Long.parseLong(matcher.group(1));
            String unit = matcher.group(2) == null ? "s" : matcher.group(2);
            return switch (unit) {
                case "ms" -> Duration.ofMillis(value);
                case "s" -> Duration.ofSeconds(value);
                case "m" -> Duration.ofMinutes(value);
                default -> Duration.ofHours(value);
            };
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("duration too long: '" + text + "'", e);
        }
    }

    /** {@code duration} the way {@link #parse} reads it, in the largest unit that keeps it whole: {@code 90s}, {@code 2m}. */
    public static String format(Duration duration) {
        long millis = duration.toMillis();
        if (millis != 0 && millis % 3_600_000 == 0) {
            return millis / 3_600_000 + "h";
        }
        if (millis != 0 && millis % 60_000 == 0) {
            return millis / 60_000 + "m";
        }
        if (millis % 1000 == 0) {
            return millis / 1000 + "s";
        }
        return millis + "ms";
    }
}
