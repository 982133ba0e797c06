package kz.qazedu.bundle.config;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The problems of one settings record, by property name relative to the record's prefix ({@code batch-size} for
 * {@code bundle.crm.batch-size}); each says what is expected, the way an operator reads it after the variable and
 * its value: {@code must be at least 1}.
 */
public final class SettingProblems {

    /** A bad setting: its full property key and what it should be. */
    public record Problem(String key, String expected) {
    }

    private final String prefix;
    private final List<Problem> problems = new ArrayList<>();

    public SettingProblems(String prefix) {
        this.prefix = prefix;
    }

    /** The problems found, in the order they were added. */
    public List<Problem> found() {
        return List.copyOf(problems);
    }

    /** Records that {@code property} is bad: {@code expected} says what it must be ("must be ..."). */
    public void add(String property, String expected) {
        problems.add(new Problem(prefix + "." + property, expected));
    }

    public void atLeast(String property, long value, long min) {
        if (value < min) {
            add(property, "must be at least " + min);
        }
    }

    public void between(String property, long value, long min, long max) {
        if (value < min || value > max) {
            add(property, "must be from " + min + " to " + max);
        }
    }

    /** A duration that must be longer than zero. */
    public void positive(String property, Duration value) {
        if (value == null || value.isNegative() || value.isZero()) {
            add(property, "must be a duration longer than zero");
        }
    }

    /** A duration that may be zero (which usually means "never" or "at once") but not negative. */
    public void notNegative(String property, Duration value) {
        if (value == null || value.isNegative()) {
            add(property, "must be a duration of zero or more");
        }
    }

    /** Durations none of which may be negative. */
    public void noneNegative(String property, List<Duration> values) {
        if (values == null || values.stream().anyMatch(d -> d == null || d.isNegative())) {
            add(property, "must be durations of zero or more, separated by commas");
        }
    }

    public void notBlank(String property, String value) {
        if (value == null || value.isBlank()) {
            add(property, "must not be empty");
        }
    }

    public void oneOf(String property, String value, String... allowed) {
        if (value == null || !Arrays.asList(allowed).contains(value.trim().toLowerCase(Locale.ROOT))) {
            add(property, "must be one of " + String.join(", ", allowed));
        }
    }

    /** An absolute http or https URL. */
    public void httpUrl(String property, String value) {
        if (!isHttpUrl(value)) {
            add(property, "must be an http or https URL");
        }
    }

    private static boolean isHttpUrl(String value) {
        if (value == null || value.isBlank()) {
            return false;
        }
        try {
            java.net.URI uri = java.net.URI.create(value.trim());
            String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
            return (scheme.equals("http") || scheme.equals("https")) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
