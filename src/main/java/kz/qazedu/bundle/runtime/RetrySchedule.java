package kz.qazedu.bundle.runtime;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * When to try a failed action again: a list of delays, the first before the first retry, with ±20 % jitter so
 * that a recovering peer is not hit by every caller at the same instant; bound from a setting written like
 * {@code 5s,5m,30m,2h}. After the last delay has been used there is none: the CRM forwarder dead-letters the delivery
 * ({@code CRM_RETRY_SCHEDULE}), the sender fails the message ({@code OUTBOUND_RETRY_SCHEDULE}).
 */
public final class RetrySchedule {

    private final List<Duration> delays;

    public RetrySchedule(List<Duration> delays) {
        this.delays = List.copyOf(delays);
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
