package kz.qazedu.bundle.outbound;

import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.random.RandomGenerator;

import kz.qazedu.bundle.outbound.PacingDecision.Fail;
import kz.qazedu.bundle.outbound.PacingDecision.Send;
import kz.qazedu.bundle.outbound.PacingDecision.Wait;

/**
 * Whether a due message may be sent now, as a pure function of the rules and the state, so that every rule can be
 * tested with fixed instants. The first check that applies wins; they run roughly from the longest wait to the
 * shortest (a pause or a lost connection, the night, the daily caps, then the pauses between sends), so that a message
 * is not woken after a short wait only to meet a long one.
 */
public final class PacingPolicy {

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm");

    private PacingPolicy() {
    }

    /**
     * The decision for a message of {@code textLength} characters. When it is {@link Send}, the gap to the next send
     * is drawn from {@code random}: uniform between gapMin and gapMax, but gapMax for the first sends after a
     * reconnection (a number that comes back and bursts looks automated), and never shorter than what
     * maxPerMinute allows. {@code nextSendAt} counts from now; once Evolution has answered, the sender counts the
     * same gap again from that moment, when the message is out.
     */
    public static PacingDecision decide(PacingRules rules, PacingState s, int textLength, RandomGenerator random) {
        Instant now = s.now();
        ZoneId zone = rules.zone();
        if (s.paused()) {
            return new Wait(null, "instance paused: " + s.pauseReason(), true);
        }
        if (!s.connected()) {
            return new Wait(null, "instance not connected", true);
        }
        QuietHours quietHours = rules.quietHours();
        if (quietHours != null && quietHours.contains(now.atZone(zone).toLocalTime())) {
            Instant end = quietHours.endAfter(now, zone);
            return new Wait(end, "quiet hours until " + CLOCK.format(end.atZone(zone)), true);
        }
        if (s.sentToday() >= rules.dailyCap()) {
            return new Wait(startOfNextDay(now, zone), "daily cap of " + rules.dailyCap() + " reached", true);
        }
        if (s.firstContact()) {
            if (rules.firstContactDailyCap() == 0) {
                return new Fail("first contact not allowed: the recipient never wrote to this instance and the"
                        + " first-contact budget is 0");
            }
            if (s.firstContactsToday() >= rules.firstContactDailyCap()) {
                return new Wait(startOfNextDay(now, zone),
                        "first-contact budget of " + rules.firstContactDailyCap() + " reached", false);
            }
        }
        if (s.connectedSince() != null) {
            Instant resumeAt = s.connectedSince().plus(rules.resumeDelay());
            if (now.isBefore(resumeAt)) {
                return new Wait(resumeAt, "resuming after reconnection", true);
            }
        }
        if (s.lastSentToRecipient() != null) {
            Instant recipientFree = s.lastSentToRecipient().plus(rules.recipientGap());
            if (now.isBefore(recipientFree)) {
                return new Wait(recipientFree, "minimum gap to the same recipient", false);
            }
        }
        if (s.nextSendAt() != null && now.isBefore(s.nextSendAt())) {
            return new Wait(s.nextSendAt(), "pacing gap", true);
        }
        Duration typing = typing(rules, textLength);
        boolean rampingUp = s.connectedSince() != null && s.sendsSinceConnected() < rules.resumeRampSends();
        Duration gap = rampingUp ? rules.gapMax() : gap(rules, random);
        Instant paced = now.plus(typing).plus(gap);
        Instant spaced = now.plus(spacing(rules));
        return new Send(typing, paced.isAfter(spaced) ? paced : spaced);
    }

    /** Local midnight at the start of {@code now}'s day in {@code zone}: daily caps count from here. */
    public static Instant startOfDay(Instant now, ZoneId zone) {
        return now.atZone(zone).toLocalDate().atStartOfDay(zone).toInstant();
    }

    /** Local midnight at the end of {@code now}'s day in {@code zone}: daily caps are full again from here. */
    public static Instant startOfNextDay(Instant now, ZoneId zone) {
        return now.atZone(zone).toLocalDate().plusDays(1).atStartOfDay(zone).toInstant();
    }

    /** typingPerChar for each character, but at least typingMin and at most typingMax. */
    static Duration typing(PacingRules rules, int textLength) {
        Duration typing = rules.typingPerChar().multipliedBy(Math.max(0, textLength));
        if (typing.compareTo(rules.typingMin()) < 0) {
            return rules.typingMin();
        }
        return typing.compareTo(rules.typingMax()) > 0 ? rules.typingMax() : typing;
    }

    /** Uniform in [gapMin, gapMax] to the millisecond, so that the sends of an instance have no rhythm. */
    static Duration gap(PacingRules rules, RandomGenerator random) {
        long min = rules.gapMin().toMillis();
        long max = rules.gapMax().toMillis();
        return Duration.ofMillis(random.nextLong(min, max + 1));
    }

    /**
     * The shortest time between two sends that keeps to maxPerMinute, rounded up to the millisecond so that the
     * rounding never lets one more through; zero without a per-minute limit.
     */
    static Duration spacing(PacingRules rules) {
        int perMinute = rules.maxPerMinute();
        return perMinute == 0 ? Duration.ZERO : Duration.ofMillis((60_000L + perMinute - 1) / perMinute);
    }
}
