package kz.qazedu.bundle.runtime;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;

class RetryScheduleTest {

    @Test
    void eachAttemptHasItsDelayJitteredByAtMostTwentyPercent() {
        RetrySchedule schedule = new RetrySchedule(List.of(Duration.ofMillis(250), Duration.ofSeconds(5), Duration.ofMinutes(2),
                Duration.ofHours(1), Duration.ofSeconds(30)));
        for (int i = 0; i < 200; i++) {
            assertThat(schedule.delayAfter(1)).isBetween(Duration.ofMillis(200), Duration.ofMillis(300));
            assertThat(schedule.delayAfter(2)).isBetween(Duration.ofSeconds(4), Duration.ofSeconds(6));
            assertThat(schedule.delayAfter(3)).isBetween(Duration.ofSeconds(96), Duration.ofSeconds(144));
            assertThat(schedule.delayAfter(4)).isBetween(Duration.ofMinutes(48), Duration.ofMinutes(72));
            assertThat(schedule.delayAfter(5)).isBetween(Duration.ofSeconds(24), Duration.ofSeconds(36));
        }
    }

    @Test
    void thereIsNoDelayBeforeTheFirstAttemptOrAfterTheLastDelay() {
        RetrySchedule schedule = new RetrySchedule(List.of(Duration.ofSeconds(5), Duration.ofMinutes(5)));
        assertThat(schedule.delayAfter(0)).isNull();
        assertThat(schedule.delayAfter(3)).isNull();
        assertThat(new RetrySchedule(List.of()).delayAfter(1)).isNull();
    }

    @Test
    void aDelayWithoutJitterRoomIsExact() {
        assertThat(new RetrySchedule(List.of(Duration.ofMillis(4))).delayAfter(1)).isEqualTo(Duration.ofMillis(4));
    }
}
