package kz.qazedu.bundle.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationsTest {

    @Test
    void readsEachUnitAndABareNumberAsSeconds() {
        assertThat(Durations.parse("250ms")).isEqualTo(Duration.ofMillis(250));
        assertThat(Durations.parse("5s")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("2m")).isEqualTo(Duration.ofMinutes(2));
        assertThat(Durations.parse("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(Durations.parse("90")).isEqualTo(Duration.ofSeconds(90));
        assertThat(Durations.parse("0")).isEqualTo(Duration.ZERO);
    }

    @Test
    void ignoresSurroundingWhitespace() {
        assertThat(Durations.parse("  10s\t")).isEqualTo(Duration.ofSeconds(10));
        assertThat(Durations.parse(" 7 ")).isEqualTo(Duration.ofSeconds(7));
    }

    @Test
    void readsWhatSpringsBindingReads() {
        assertThat(Durations.parse("PT5S")).isEqualTo(Duration.ofSeconds(5));
        assertThat(Durations.parse("1d")).isEqualTo(Duration.ofDays(1));
        assertThat(Durations.parse("5S")).isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void refusesAnythingElseSayingWhatItExpects() {
        for (String text : new String[] {"", " ", "s", "5x", "5 s", "1.5s", "5s5", "soon", "99999999999999999999h"}) {
            assertThatThrownBy(() -> Durations.parse(text)).as(text)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not a duration: '" + text + "'")
                    .hasMessageContaining("250ms, 5s, 2m, 1h");
        }
        assertThatThrownBy(() -> Durations.parse(null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void formatsInTheLargestWholeUnitSoThatParsingGivesItBack() {
        assertThat(Durations.format(Duration.ofMillis(250))).isEqualTo("250ms");
        assertThat(Durations.format(Duration.ofMillis(1500))).isEqualTo("1500ms");
        assertThat(Durations.format(Duration.ofSeconds(90))).isEqualTo("90s");
        assertThat(Durations.format(Duration.ofMinutes(2))).isEqualTo("2m");
        assertThat(Durations.format(Duration.ofHours(5))).isEqualTo("5h");
        assertThat(Durations.format(Duration.ZERO)).isEqualTo("0s");
        for (String text : new String[] {"250ms", "90s", "2m", "5h", "0s"}) {
            assertThat(Durations.format(Durations.parse(text))).isEqualTo(text);
        }
    }
}
