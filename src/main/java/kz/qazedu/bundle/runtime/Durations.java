package kz.qazedu.bundle.runtime;

import java.time.Duration;
import java.time.temporal.ChronoUnit;

import org.springframework.boot.convert.DurationStyle;

/**
 * Durations written inside a setting's value, where Spring's binding cannot reach (the per-instance pacing
 * overrides), read exactly as the binding reads a duration setting with {@code @DurationUnit(SECONDS)}:
 * {@code 250ms}, {@code 5s}, {@code 2m}, {@code 1h}, {@code 1d}, ISO-8601 {@code PT5S}, or a bare number of seconds;
 * and durations written back that way for logs and messages.
 */
public final class Durations {

    private Durations() {
    }

    /** The duration written in {@code text}; surrounding whitespace is ignored. */
    public static Duration parse(String text) {
        String trimmed = text == null ? "" : text.trim();
        try {
            if (trimmed.isEmpty()) {
                throw new IllegalArgumentException("empty");
            }
            return DurationStyle.detectAndParse(trimmed, ChronoUnit.SECONDS);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a duration: '" + text + "' (expected a whole number with a unit,"
                    + " like 250ms, 5s, 2m, 1h, or ISO-8601 like PT5S; a bare number means seconds)", e);
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
