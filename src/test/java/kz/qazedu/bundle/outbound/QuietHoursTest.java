package kz.qazedu.bundle.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class QuietHoursTest {

    private static final ZoneId ALMATY = ZoneId.of("Asia/Almaty");
    private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");

    @Test
    void readsAWindowAndWritesItBackTheSameWay() {
        QuietHours night = QuietHours.parse("21:00-08:00");
        assertThat(night.start()).isEqualTo(LocalTime.of(21, 0));
        assertThat(night.end()).isEqualTo(LocalTime.of(8, 0));
        assertThat(night).hasToString("21:00-08:00");
        assertThat(QuietHours.parse(" 8:00 - 9:30 ")).hasToString("08:00-09:30")
                .isEqualTo(new QuietHours(LocalTime.of(8, 0), LocalTime.of(9, 30)));
    }

    @Test
    void blankOrNoneMeansNoQuietHours() {
        assertThat(QuietHours.parse(null)).isNull();
        assertThat(QuietHours.parse("")).isNull();
        assertThat(QuietHours.parse("  ")).isNull();
        assertThat(QuietHours.parse("none")).isNull();
        assertThat(QuietHours.parse(" NONE ")).isNull();
    }

    @Test
    void refusesWhatIsNotAWindow() {
        for (String text : new String[] {"21:00", "21:00-08:00-09:00", "21-08", "25:00-08:00", "21:00-08:61", "night",
                "21:00 08:00", "-08:00"}) {
            assertThatThrownBy(() -> QuietHours.parse(text)).as(text)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("not quiet hours: '" + text + "'");
        }
    }

    @Test
    void refusesAWindowThatStartsWhenItEnds() {
        assertThatThrownBy(() -> QuietHours.parse("08:00-08:00"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("08:00-08:00").hasMessageContaining("none");
    }

    @Test
    void aWindowWrappingMidnightContainsItsStartButNotItsEnd() {
        QuietHours night = QuietHours.parse("21:00-08:00");
        assertThat(night.contains(LocalTime.of(20, 59, 59))).isFalse();
        assertThat(night.contains(LocalTime.of(21, 0))).isTrue();
        assertThat(night.contains(LocalTime.MIDNIGHT)).isTrue();
        assertThat(night.contains(LocalTime.of(7, 59, 59))).isTrue();
        assertThat(night.contains(LocalTime.of(8, 0))).isFalse();
        assertThat(night.contains(LocalTime.NOON)).isFalse();
    }

    @Test
    void aWindowWithinTheDayContainsItsStartButNotItsEnd() {
        QuietHours lunch = QuietHours.parse("13:00-14:00");
        assertThat(lunch.contains(LocalTime.of(12, 59, 59))).isFalse();
        assertThat(lunch.contains(LocalTime.of(13, 0))).isTrue();
        assertThat(lunch.contains(LocalTime.of(13, 59, 59))).isTrue();
        assertThat(lunch.contains(LocalTime.of(14, 0))).isFalse();
        assertThat(lunch.contains(LocalTime.MIDNIGHT)).isFalse();
    }

    @Test
    void aWrappingWindowEndsTheNextMorningBeforeMidnightAndTheSameMorningAfter() {
        QuietHours night = QuietHours.parse("21:00-08:00");
        // 21:30 and 01:00 in Almaty (UTC+5): both end at 08:00 on 1 December
        assertThat(night.endAfter(Instant.parse("2026-11-30T16:30:00Z"), ALMATY)).isEqualTo("2026-12-01T03:00:00Z");
        assertThat(night.endAfter(Instant.parse("2026-11-30T20:00:00Z"), ALMATY)).isEqualTo("2026-12-01T03:00:00Z");
        assertThat(night.endAfter(Instant.parse("2026-11-30T16:00:00Z"), ALMATY)).isEqualTo("2026-12-01T03:00:00Z");
    }

    @Test
    void aWindowWithinTheDayEndsTheSameDay() {
        QuietHours lunch = QuietHours.parse("13:00-14:00");
        assertThat(lunch.endAfter(Instant.parse("2026-11-30T08:30:00Z"), ALMATY)).isEqualTo("2026-11-30T09:00:00Z");
        assertThat(lunch.endAfter(Instant.parse("2026-11-30T08:00:00Z"), ALMATY)).isEqualTo("2026-11-30T09:00:00Z");
    }

    @Test
    void endsAtTheLocalTimeAcrossDaylightSavingChanges() {
        QuietHours night = QuietHours.parse("21:00-08:00");
        // Berlin springs forward on 29 March 2026: 21:30 CET (+1) to 08:00 CEST (+2) is only 9.5 hours
        assertThat(night.endAfter(Instant.parse("2026-03-28T20:30:00Z"), BERLIN)).isEqualTo("2026-03-29T06:00:00Z");
        // and falls back on 25 October 2026: 21:30 CEST to 08:00 CET is 11.5 hours
        assertThat(night.endAfter(Instant.parse("2026-10-24T19:30:00Z"), BERLIN)).isEqualTo("2026-10-25T07:00:00Z");
    }

    @Test
    void anEndInTheRepeatedHourIsTheOneOfTheCurrentOffset() {
        QuietHours night = QuietHours.parse("21:00-02:30");
        // 02:15 occurs twice on 25 October 2026 in Berlin, first in CEST (+2), then in CET (+1)
        assertThat(night.endAfter(Instant.parse("2026-10-25T00:15:00Z"), BERLIN)).isEqualTo("2026-10-25T00:30:00Z");
        assertThat(night.endAfter(Instant.parse("2026-10-25T01:15:00Z"), BERLIN)).isEqualTo("2026-10-25T01:30:00Z");
    }

    @Test
    void anEndInTheSkippedHourMovesForwardByTheGap() {
        QuietHours night = QuietHours.parse("01:00-02:30");
        // 02:30 does not exist on 29 March 2026 in Berlin: the clock goes from 02:00 CET to 03:00 CEST
        assertThat(night.endAfter(Instant.parse("2026-03-29T00:30:00Z"), BERLIN)).isEqualTo("2026-03-29T01:30:00Z");
    }
}
