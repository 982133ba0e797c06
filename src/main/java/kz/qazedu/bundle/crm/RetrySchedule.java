package kz.qazedu.bundle.crm;

import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

import kz.qazedu.bundle.runtime.Durations;

/**
 * When to try a failed CRM delivery again: a list of delays, the first before the first retry, with ±20 % jitter
 * so that a recovering CRM is not hit by every chat at the same instant. Written like {@code 5s,5m,30m,2h}
 * (units ms, s, m, h). After the last delay has been used, the next failure dead-letters the delivery.
 */
public final class RetrySchedule {

    private final List<Duration> delays;

    public RetrySchedule(String schedule) {
        this.delays = Arrays.stream(schedule.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(Durations::parse).toList();
    }

    /** The delay after failed attempt {@code attempt} (1-based), jittered, or null when none is left. */
    public Duration delayAfter(int attempt) {
        if (attempt < 1 || attempt > delays.size()) {
            return null;
        }
        long millis = delays.get(attempt - 1).toMillis();
        long jitter = (long) (millis * 0.2);
        return Duration.ofMillis(millis + (jitter == 0 ? 0 : ThreadLocalRandom.current().nextLong(-jitter, jitter + 1)));
    }

    /** How many retries the schedule has. */
    public int size() {
        return delays.size();
    }

    /** The schedule's longest delay, not jittered (zero for an empty schedule). */
    public Duration longest() {
        return delays.stream().max(Duration::compareTo).orElse(Duration.ZERO);
    }
}
