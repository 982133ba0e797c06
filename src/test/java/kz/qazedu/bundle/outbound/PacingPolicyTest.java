package kz.qazedu.bundle.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import kz.qazedu.bundle.outbound.PacingDecision.Fail;
import kz.qazedu.bundle.outbound.PacingDecision.Send;
import kz.qazedu.bundle.outbound.PacingDecision.Wait;
import org.junit.jupiter.api.Test;

/** Every instant is in Asia/Almaty, UTC+5 without daylight saving: 07:00Z is noon there. */
class PacingPolicyTest {

    private static final ZoneId ALMATY = ZoneId.of("Asia/Almaty");
    private static final Instant NOON = Instant.parse("2026-11-30T07:00:00Z");
    private static final Instant NEXT_MIDNIGHT = Instant.parse("2026-11-30T19:00:00Z");

    /** 4 a minute (15 s apart), gaps of 20-40 s, 50 ms of typing a character within 1-8 s, quiet 21:00-08:00. */
    private static final PacingRules RULES = new PacingRules(4, Duration.ofSeconds(20), Duration.ofSeconds(40),
            Duration.ofMillis(50), Duration.ofSeconds(1), Duration.ofSeconds(8), 100, 10, Duration.ofSeconds(30),
            QuietHours.parse("21:00-08:00"), ALMATY, Duration.ofMinutes(2), 5);

    private final SplittableRandom random = new SplittableRandom(42);

    @Test
    void aPausedInstanceWaitsForTheOperatorWhateverElseHolds() {
        PacingState state = new State().paused("number under review").disconnected().at("2026-11-30T16:30:00Z").build();
        assertThat(decide(state)).isEqualTo(new Wait(null, "instance paused: number under review", true));
    }

    @Test
    void aDisconnectedInstanceWaitsForTheReconnection() {
        PacingState state = new State().disconnected().at("2026-11-30T16:30:00Z").build();
        assertThat(decide(state)).isEqualTo(new Wait(null, "instance not connected", true));
    }

    @Test
    void quietHoursWrappingMidnightWaitUntilTheLocalMorning() {
        Wait morning = new Wait(Instant.parse("2026-12-01T03:00:00Z"), "quiet hours until 08:00", true);
        // 21:30 and 01:00 local, and 21:00 sharp: the start is quiet
        assertThat(decide(new State().at("2026-11-30T16:30:00Z").build())).isEqualTo(morning);
        assertThat(decide(new State().at("2026-11-30T20:00:00Z").build())).isEqualTo(morning);
        assertThat(decide(new State().at("2026-11-30T16:00:00Z").build())).isEqualTo(morning);
        // 08:00 sharp and 20:59:59 are not
        assertThat(decide(new State().at("2026-12-01T03:00:00Z").build())).isInstanceOf(Send.class);
        assertThat(decide(new State().at("2026-11-30T15:59:59Z").build())).isInstanceOf(Send.class);
    }

    @Test
    void quietHoursWithinTheDayWaitUntilTheirEnd() {
        PacingRules lunch = RULES.with(Map.of("quietHours", "13:00-14:00"));
        assertThat(PacingPolicy.decide(lunch, new State().at("2026-11-30T08:30:00Z").build(), 10, random))
                .isEqualTo(new Wait(Instant.parse("2026-11-30T09:00:00Z"), "quiet hours until 14:00", true));
        assertThat(PacingPolicy.decide(lunch, new State().at("2026-11-30T09:00:00Z").build(), 10, random))
                .isInstanceOf(Send.class);
        assertThat(PacingPolicy.decide(lunch, new State().at("2026-11-30T16:30:00Z").build(), 10, random))
                .isInstanceOf(Send.class);
    }

    @Test
    void withoutQuietHoursTheNightIsLikeAnyOtherTime() {
        PacingRules always = RULES.with(Map.of("quietHours", "none"));
        assertThat(PacingPolicy.decide(always, new State().at("2026-11-30T20:00:00Z").build(), 10, random))
                .isInstanceOf(Send.class);
    }

    @Test
    void theDailyCapWaitsForLocalMidnight() {
        assertThat(decide(new State().sentToday(100).build()))
                .isEqualTo(new Wait(NEXT_MIDNIGHT, "daily cap of 100 reached", true));
        assertThat(decide(new State().sentToday(99).build())).isInstanceOf(Send.class);
    }

    @Test
    void theFirstContactBudgetWaitsForLocalMidnight() {
        assertThat(decide(new State().firstContact(10).build()))
                .isEqualTo(new Wait(NEXT_MIDNIGHT, "first-contact budget of 10 reached", false));
        assertThat(decide(new State().firstContact(9).build())).isInstanceOf(Send.class);
        // the budget is only for recipients who never wrote
        assertThat(decide(new State().firstContact(10).knownRecipient().build())).isInstanceOf(Send.class);
    }

    @Test
    void aFirstContactFailsWhenTheBudgetIsZero() {
        PacingRules noStrangers = RULES.with(Map.of("firstContactDailyCap", "0"));
        assertThat(PacingPolicy.decide(noStrangers, new State().firstContact(0).build(), 10, random))
                .isEqualTo(new Fail("first contact not allowed: the recipient never wrote to this instance and the"
                        + " first-contact budget is 0"));
        assertThat(PacingPolicy.decide(noStrangers, new State().build(), 10, random)).isInstanceOf(Send.class);
    }

    @Test
    void aReconnectedInstanceWaitsTheResumeDelay() {
        Instant reconnected = NOON.minusSeconds(60);
        assertThat(decide(new State().connectedSince(reconnected).build()))
                .isEqualTo(new Wait(reconnected.plus(Duration.ofMinutes(2)), "resuming after reconnection", true));
        assertThat(decide(new State().connectedSince(NOON.minus(Duration.ofMinutes(2))).build())).isInstanceOf(Send.class);
    }

    @Test
    void theSameRecipientWaitsTheRecipientGap() {
        Instant lastSent = NOON.minusSeconds(10);
        assertThat(decide(new State().lastSentToRecipient(lastSent).build()))
                .isEqualTo(new Wait(lastSent.plusSeconds(30), "minimum gap to the same recipient", false));
        assertThat(decide(new State().lastSentToRecipient(NOON.minusSeconds(30)).build())).isInstanceOf(Send.class);
    }

    @Test
    void aSendBeforeTheInstancesNextSendTimeWaitsForIt() {
        assertThat(decide(new State().nextSendAt(NOON.plusSeconds(5)).build()))
                .isEqualTo(new Wait(NOON.plusSeconds(5), "pacing gap", true));
        assertThat(decide(new State().nextSendAt(NOON).build())).isInstanceOf(Send.class);
        assertThat(decide(new State().nextSendAt(NOON.minusSeconds(5)).build())).isInstanceOf(Send.class);
    }

    @Test
    void theFirstCheckThatAppliesGivesTheReason() {
        State everything = new State().sentToday(100).firstContact(10).connectedSince(NOON.minusSeconds(1))
                .lastSentToRecipient(NOON.minusSeconds(1)).nextSendAt(NOON.plusSeconds(1));
        assertThat(decide(everything.at("2026-11-30T16:30:00Z").build())).isEqualTo(
                new Wait(Instant.parse("2026-12-01T03:00:00Z"), "quiet hours until 08:00", true));
        assertThat(reason(everything.at(NOON).build())).isEqualTo("daily cap of 100 reached");
        assertThat(reason(everything.sentToday(0).build())).isEqualTo("first-contact budget of 10 reached");
        assertThat(reason(everything.knownRecipient().build())).isEqualTo("resuming after reconnection");
        assertThat(reason(everything.connectedSince(null).build())).isEqualTo("minimum gap to the same recipient");
        assertThat(reason(everything.lastSentToRecipient(null).build())).isEqualTo("pacing gap");
    }

    @Test
    void typingTakesItsTimePerCharacterWithinItsBounds() {
        // 50 ms a character, at least 1 s, at most 8 s
        assertThat(typing(0)).isEqualTo(Duration.ofSeconds(1));
        assertThat(typing(10)).isEqualTo(Duration.ofSeconds(1));
        assertThat(typing(20)).isEqualTo(Duration.ofSeconds(1));
        assertThat(typing(100)).isEqualTo(Duration.ofSeconds(5));
        assertThat(typing(160)).isEqualTo(Duration.ofSeconds(8));
        assertThat(typing(5000)).isEqualTo(Duration.ofSeconds(8));
    }

    @Test
    void theNextSendIsAfterTypingAndAGapWithinTheBounds() {
        Send send = (Send) PacingPolicy.decide(RULES, new State().build(), 100, random);
        assertThat(send.typing()).isEqualTo(Duration.ofSeconds(5));
        assertThat(send.nextSendAt()).isBetween(NOON.plusSeconds(25), NOON.plusSeconds(45));
    }

    @Test
    void afterAReconnectionTheFirstSendsUseTheLongestGap() {
        State ramping = new State().connectedSince(NOON.minus(Duration.ofMinutes(10)));
        for (int sends = 0; sends < 5; sends++) {
            Send send = (Send) decide(ramping.sendsSinceConnected(sends).build());
            assertThat(send.nextSendAt()).as("send %d", sends).isEqualTo(NOON.plus(send.typing()).plusSeconds(40));
        }
        Set<Instant> afterRamp = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            afterRamp.add(((Send) decide(ramping.sendsSinceConnected(5).build())).nextSendAt());
        }
        assertThat(afterRamp).hasSizeGreaterThan(1);
        // an unknown connection time is no reason to ramp
        Set<Instant> unknown = new HashSet<>();
        for (int i = 0; i < 20; i++) {
            unknown.add(((Send) decide(new State().build())).nextSendAt());
        }
        assertThat(unknown).hasSizeGreaterThan(1);
    }

    @Test
    void thePerMinuteLimitSpacesSendsWhenTheGapIsShorter() {
        // 2 a minute: 30 s apart, though typing and gap take 1 s each
        PacingRules hurried = RULES.with(Map.of("maxPerMinute", "2", "gapMin", "1s", "gapMax", "1s"));
        Send send = (Send) PacingPolicy.decide(hurried, new State().build(), 10, random);
        assertThat(send.typing()).isEqualTo(Duration.ofSeconds(1));
        assertThat(send.nextSendAt()).isEqualTo(NOON.plusSeconds(30));

        // 7 a minute: 8571.4 ms is rounded up, so that 7 sends never fit in less than a minute
        PacingRules seven = hurried.with(Map.of("maxPerMinute", "7"));
        assertThat(((Send) PacingPolicy.decide(seven, new State().build(), 10, random)).nextSendAt())
                .isEqualTo(NOON.plusMillis(8572));

        // without a per-minute limit only typing and the gap count
        PacingRules unlimited = hurried.with(Map.of("maxPerMinute", "0"));
        assertThat(((Send) PacingPolicy.decide(unlimited, new State().build(), 10, random)).nextSendAt())
                .isEqualTo(NOON.plusSeconds(2));
    }

    @Test
    void aLongerGapIsNotShortenedByThePerMinuteLimit() {
        PacingRules slow = RULES.with(Map.of("maxPerMinute", "30", "gapMin", "40s"));
        Send send = (Send) PacingPolicy.decide(slow, new State().build(), 100, random);
        assertThat(send.nextSendAt()).isEqualTo(NOON.plusSeconds(45));
    }

    @Test
    void gapsAreSpreadOverTheWholeRangeAndNeverLeaveIt() {
        PacingRules gapsOnly = RULES.with(Map.of("maxPerMinute", "0", "typingMin", "0", "typingMax", "0"));
        SplittableRandom seeded = new SplittableRandom(42);
        Duration shortest = Duration.ofDays(1);
        Duration longest = Duration.ZERO;
        Set<Duration> distinct = new HashSet<>();
        for (int i = 0; i < 10_000; i++) {
            Send send = (Send) PacingPolicy.decide(gapsOnly, new State().build(), 100, seeded);
            Duration gap = Duration.between(NOON, send.nextSendAt());
            assertThat(send.typing()).isZero();
            assertThat(gap).isBetween(Duration.ofSeconds(20), Duration.ofSeconds(40));
            assertThat(gap.toNanos() % 1_000_000).isZero();
            shortest = gap.compareTo(shortest) < 0 ? gap : shortest;
            longest = gap.compareTo(longest) > 0 ? gap : longest;
            distinct.add(gap);
        }
        assertThat(shortest).isLessThan(Duration.ofSeconds(20).plusMillis(100));
        assertThat(longest).isGreaterThan(Duration.ofSeconds(40).minusMillis(100));
        assertThat(distinct).hasSizeGreaterThan(5000);
    }

    @Test
    void equalGapBoundsGiveThatGap() {
        PacingRules fixed = RULES.with(Map.of("maxPerMinute", "0", "gapMin", "30s", "gapMax", "30s"));
        Send send = (Send) PacingPolicy.decide(fixed, new State().build(), 100, random);
        assertThat(send.nextSendAt()).isEqualTo(NOON.plusSeconds(35));
    }

    @Test
    void daysStartAtLocalMidnight() {
        // 01:00 on 1 December in Almaty
        Instant night = Instant.parse("2026-11-30T20:00:00Z");
        assertThat(PacingPolicy.startOfDay(night, ALMATY)).isEqualTo("2026-11-30T19:00:00Z");
        assertThat(PacingPolicy.startOfNextDay(night, ALMATY)).isEqualTo("2026-12-01T19:00:00Z");
        assertThat(PacingPolicy.startOfDay(NOON, ALMATY)).isEqualTo("2026-11-29T19:00:00Z");
        assertThat(PacingPolicy.startOfNextDay(NOON, ALMATY)).isEqualTo(NEXT_MIDNIGHT);
        assertThat(PacingPolicy.startOfNextDay(NEXT_MIDNIGHT, ALMATY)).isEqualTo("2026-12-01T19:00:00Z");
    }

    @Test
    void aDayWithADaylightSavingChangeIsShorterOrLonger() {
        ZoneId berlin = ZoneId.of("Europe/Berlin");
        Instant springForward = Instant.parse("2026-03-29T10:00:00Z");
        assertThat(PacingPolicy.startOfDay(springForward, berlin)).isEqualTo("2026-03-28T23:00:00Z");
        assertThat(PacingPolicy.startOfNextDay(springForward, berlin)).isEqualTo("2026-03-29T22:00:00Z");
        Instant fallBack = Instant.parse("2026-10-25T10:00:00Z");
        assertThat(PacingPolicy.startOfDay(fallBack, berlin)).isEqualTo("2026-10-24T22:00:00Z");
        assertThat(PacingPolicy.startOfNextDay(fallBack, berlin)).isEqualTo("2026-10-25T23:00:00Z");
    }

    private PacingDecision decide(PacingState state) {
        return PacingPolicy.decide(RULES, state, 10, random);
    }

    private String reason(PacingState state) {
        return ((Wait) decide(state)).reason();
    }

    private Duration typing(int textLength) {
        return ((Send) PacingPolicy.decide(RULES, new State().build(), textLength, random)).typing();
    }

    /** A connected, unpaused instance at noon that may send to a recipient who wrote to it; change what a test needs. */
    private static final class State {

        private Instant now = NOON;
        private boolean connected = true;
        private Instant connectedSince;
        private boolean paused;
        private String pauseReason;
        private Instant nextSendAt;
        private int sentToday;
        private int firstContactsToday;
        private boolean firstContact;
        private Instant lastSentToRecipient;
        private int sendsSinceConnected;

        State at(String instant) {
            return at(Instant.parse(instant));
        }

        State at(Instant instant) {
            now = instant;
            return this;
        }

        State disconnected() {
            connected = false;
            return this;
        }

        State connectedSince(Instant instant) {
            connectedSince = instant;
            return this;
        }

        State paused(String reason) {
            paused = true;
            pauseReason = reason;
            return this;
        }

        State nextSendAt(Instant instant) {
            nextSendAt = instant;
            return this;
        }

        State sentToday(int count) {
            sentToday = count;
            return this;
        }

        State firstContact(int firstContactsSoFar) {
            firstContact = true;
            firstContactsToday = firstContactsSoFar;
            return this;
        }

        State knownRecipient() {
            firstContact = false;
            return this;
        }

        State lastSentToRecipient(Instant instant) {
            lastSentToRecipient = instant;
            return this;
        }

        State sendsSinceConnected(int count) {
            sendsSinceConnected = count;
            return this;
        }

        PacingState build() {
            return new PacingState(now, connected, connectedSince, paused, pauseReason, nextSendAt, sentToday,
                    firstContactsToday, firstContact, lastSentToRecipient, sendsSinceConnected);
        }
    }
}
