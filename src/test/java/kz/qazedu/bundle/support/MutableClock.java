package kz.qazedu.bundle.support;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/** The system clock, shifted by an offset a test sets: quiet hours and daily caps without waiting for them. */
public final class MutableClock extends Clock {

    private volatile Duration offset = Duration.ZERO;

    /** From now on, the clock reads {@code instant} at this moment and runs on from there. */
    public void setTo(Instant instant) {
        offset = Duration.between(Instant.now(), instant);
    }

    public void reset() {
        offset = Duration.ZERO;
    }

    @Override
    public Instant instant() {
        return Instant.now().plus(offset);
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        throw new UnsupportedOperationException();
    }
}
