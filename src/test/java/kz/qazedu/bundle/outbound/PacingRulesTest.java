package kz.qazedu.bundle.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import kz.qazedu.bundle.support.TestSettings;
import org.junit.jupiter.api.Test;

class PacingRulesTest {

    private static final ZoneId ALMATY = ZoneId.of("Asia/Almaty");

    private static final PacingRules DEFAULTS = new PacingRules(6, Duration.ofSeconds(8), Duration.ofSeconds(25),
            Duration.ofMillis(60), Duration.ofSeconds(2), Duration.ofSeconds(12), 300, 20, Duration.ofSeconds(30),
            QuietHours.parse("21:00-08:00"), ALMATY, Duration.ofMinutes(2), 5);

    /** The bean as application.properties would configure it, with these overrides. */
    private static InstancePacing pacing(String overrides) {
        return pacingWith("bundle.outbound.pacing-overrides=" + overrides);
    }

    /** The bean configured like {@link #DEFAULTS}, with these settings on top. */
    private static InstancePacing pacingWith(String... settings) {
        List<String> all = new ArrayList<>(List.of("OUTBOUND_GAP_MIN=8s", "OUTBOUND_GAP_MAX=25s",
                "OUTBOUND_TYPING_PER_CHAR=60ms", "OUTBOUND_TYPING_MIN=2s", "OUTBOUND_TYPING_MAX=12s",
                "OUTBOUND_DAILY_CAP=300", "OUTBOUND_RESUME_DELAY=2m"));
        all.addAll(List.of(settings));
        return new InstancePacing(TestSettings.bind(OutboundSettings.class, all.toArray(String[]::new)));
    }

    @Test
    void theDefaultsComeFromTheProperties() {
        assertThat(pacing("").defaults()).isEqualTo(DEFAULTS);
    }

    @Test
    void withoutOverridesEveryInstanceHasTheDefaults() {
        InstancePacing pacing = pacing("  ");
        assertThat(pacing.forInstance("clinic-01")).isEqualTo(DEFAULTS);
        assertThat(pacing.forInstance(null)).isEqualTo(DEFAULTS);
    }

    @Test
    void appliesEachInstancesOverridesOnTopOfTheDefaults() {
        InstancePacing pacing = pacing(
                "clinic-01: dailyCap=200, quietHours=22:00-07:00; school-02: maxPerMinute=3, gapMin=10s, quietHours=none");

        assertThat(pacing.forInstance("clinic-01")).isEqualTo(new PacingRules(6, Duration.ofSeconds(8),
                Duration.ofSeconds(25), Duration.ofMillis(60), Duration.ofSeconds(2), Duration.ofSeconds(12), 200, 20,
                Duration.ofSeconds(30), QuietHours.parse("22:00-07:00"), ALMATY, Duration.ofMinutes(2), 5));
        assertThat(pacing.forInstance("school-02")).isEqualTo(new PacingRules(3, Duration.ofSeconds(10),
                Duration.ofSeconds(25), Duration.ofMillis(60), Duration.ofSeconds(2), Duration.ofSeconds(12), 300, 20,
                Duration.ofSeconds(30), null, ALMATY, Duration.ofMinutes(2), 5));
        assertThat(pacing.forInstance("other")).isEqualTo(DEFAULTS);
        assertThat(pacing.defaults()).isEqualTo(DEFAULTS);
    }

    @Test
    void everyKeyCanBeOverridden() {
        PacingRules rules = pacing("x:maxPerMinute=0,gapMin=1m,gapMax=2m,typingPerChar=100ms,typingMin=0,typingMax=1h,"
                + "dailyCap=0,firstContactDailyCap=0,recipientGap=5m,quietHours=13:00-14:00,timeZone=Europe/Berlin,"
                + "resumeDelay=30s,resumeRampSends=0").forInstance("x");

        assertThat(rules).isEqualTo(new PacingRules(0, Duration.ofMinutes(1), Duration.ofMinutes(2),
                Duration.ofMillis(100), Duration.ZERO, Duration.ofHours(1), 0, 0, Duration.ofMinutes(5),
                QuietHours.parse("13:00-14:00"), ZoneId.of("Europe/Berlin"), Duration.ofSeconds(30), 0));
        assertThat(PacingRules.KEYS).hasSize(PacingRules.class.getRecordComponents().length);
    }

    @Test
    void ignoresWhitespaceAndEmptySeparators() {
        InstancePacing pacing = pacing("\n clinic-01 :\tdailyCap = 200 ,, quietHours = 22:00 - 07:00 , ;; school-02:gapMin=10s;");
        assertThat(pacing.forInstance("clinic-01").dailyCap()).isEqualTo(200);
        assertThat(pacing.forInstance("clinic-01").quietHours()).hasToString("22:00-07:00");
        assertThat(pacing.forInstance("school-02").gapMin()).isEqualTo(Duration.ofSeconds(10));
    }

    @Test
    void settingsApplyTogetherSoBothGapsCanMovePastTheOldMaximum() {
        PacingRules rules = pacing("slow: gapMin=40s, gapMax=90s").forInstance("slow");
        assertThat(rules.gapMin()).isEqualTo(Duration.ofSeconds(40));
        assertThat(rules.gapMax()).isEqualTo(Duration.ofSeconds(90));
    }

    @Test
    void anUnknownKeyNamesTheInstanceAndTheKey() {
        assertThatThrownBy(() -> pacing("clinic-01: dailyCap=200; school-02: dailyLimit=5"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("instance school-02")
                .hasMessageContaining("unknown key dailyLimit")
                .hasMessageContaining("dailyCap");
        assertThatThrownBy(() -> pacing("school-02: zone=Asia/Almaty"))
                .hasMessageContaining("instance school-02").hasMessageContaining("unknown key zone");
        assertThatThrownBy(() -> pacing("school-02: DailyCap=5"))
                .hasMessageContaining("unknown key DailyCap");
    }

    @Test
    void aBadValueNamesTheInstanceAndTheKey() {
        assertBad("a: dailyCap=lots", "instance a", "dailyCap", "'lots'");
        assertBad("a: dailyCap=-1", "instance a", "dailyCap", "negative");
        assertBad("a: maxPerMinute=-3", "instance a", "maxPerMinute", "negative");
        assertBad("a: resumeRampSends=2.5", "instance a", "resumeRampSends");
        assertBad("a: gapMin=30", "instance a", "gapMin 30s is longer than gapMax 25s");
        assertBad("a: gapMax=5s", "instance a", "gapMin 8s is longer than gapMax 5s");
        assertBad("a: gapMin=-1s", "instance a", "gapMin must not be negative");
        assertBad("a: gapMin=soon", "instance a", "gapMin", "not a duration");
        assertBad("a: typingMin=20s", "instance a", "typingMin 20s is longer than typingMax 12s");
        assertBad("a: typingPerChar=fast", "instance a", "typingPerChar", "'fast'");
        assertBad("a: quietHours=22:00", "instance a", "quietHours", "'22:00'");
        assertBad("a: quietHours=07:00-07:00", "instance a", "quietHours");
        assertBad("a: timeZone=Asia/Atlantis", "instance a", "timeZone", "'Asia/Atlantis'");
        assertBad("a: recipientGap=", "instance a", "recipientGap has no value");
    }

    @Test
    void aMalformedListSaysWhereItIsWrong() {
        assertBad("clinic-01 dailyCap=200", "bundle.outbound.pacing-overrides", "'clinic-01 dailyCap=200'", "instance: key=value");
        assertBad(": dailyCap=200", "no instance name");
        assertBad("a: dailyCap 200", "instance a", "'dailyCap 200' is not key=value");
        assertBad("a: dailyCap=1, dailyCap=2", "instance a", "dailyCap is given twice");
        assertBad("a: dailyCap=1; a: gapMin=10s", "instance a is given twice");
    }

    @Test
    void badDefaultsStopTheBundleNamingTheProperty() {
        assertThatThrownBy(() -> pacingWith("OUTBOUND_GAP_MIN=30s"))
                .hasMessageContaining("bundle.outbound").hasMessageContaining("gapMin 30s");
        assertThatThrownBy(() -> pacingWith("OUTBOUND_DAILY_CAP=-1")).hasMessageContaining("dailyCap must not be negative");
        assertThatThrownBy(() -> pacingWith("OUTBOUND_TIME_ZONE=Almaty")).hasMessageContaining("not a time zone: 'Almaty'");
        assertThatThrownBy(() -> pacingWith("OUTBOUND_QUIET_HOURS=21-08")).hasMessageContaining("not quiet hours: '21-08'");
    }

    @Test
    void theRulesThemselvesRefuseWhatCannotHoldTogether() {
        assertThatThrownBy(() -> DEFAULTS.with(Map.of("gapMin", "1m")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("gapMin 1m is longer than gapMax 25s");
        assertThatThrownBy(() -> new PacingRules(6, Duration.ofSeconds(-1), Duration.ofSeconds(25), Duration.ofMillis(60),
                Duration.ofSeconds(2), Duration.ofSeconds(12), 300, 20, Duration.ofSeconds(30), null, ALMATY,
                Duration.ofMinutes(2), 5)).hasMessageContaining("gapMin must not be negative");
        assertThatThrownBy(() -> new PacingRules(6, Duration.ofSeconds(8), Duration.ofSeconds(25), Duration.ofMillis(60),
                Duration.ofSeconds(2), Duration.ofSeconds(12), 300, -20, Duration.ofSeconds(30), null, ALMATY,
                Duration.ofMinutes(2), 5)).hasMessageContaining("firstContactDailyCap must not be negative");
    }

    private static void assertBad(String overrides, String... fragments) {
        var thrown = assertThatThrownBy(() -> pacing(overrides)).as(overrides).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("bundle.outbound.pacing-overrides");
        for (String fragment : fragments) {
            thrown.hasMessageContaining(fragment);
        }
    }
}
