package kz.qazedu.bundle.outbound;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import kz.qazedu.bundle.runtime.Durations;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;

/**
 * Paced sending ({@code bundle.outbound.*}; environment variables and defaults in {@code application.properties},
 * meanings in docs/configuration.md). A bare number in the pacing durations, the retry schedule, the unconfirmed
 * window and the redispatch time is seconds, as it always was. {@code enabled}, {@code queue}, {@code senders} and
 * the {@code *-interval-ms} periods are read by the routes too.
 *
 * @param enabled                 send the CRM's messages (dispatcher, paced sender, housekeeping)
 * @param queue                   broker queue of messages on their way to Evolution
 * @param senders                 consumers of that queue per replica
 * @param dispatchIntervalMs      period of the dispatcher's poll, in ms
 * @param lockKey                 advisory lock key of the dispatcher
 * @param maxPerMinute            sends a minute per instance (0: no limit)
 * @param gapMin                  shortest random gap between two sends of an instance
 * @param gapMax                  longest random gap between two sends of an instance
 * @param typingPerChar           "typing..." time per character
 * @param typingMin               shortest "typing..." time
 * @param typingMax               longest "typing..." time
 * @param dailyCap                sends per instance per local day
 * @param firstContactDailyCap    sends per day to numbers that never wrote (0: replies only)
 * @param recipientGap            least time between two messages to one recipient
 * @param quietHours              local hours without sending, like 21:00-08:00, or none
 * @param timeZone                the zone of quiet hours and daily caps
 * @param resumeDelay             wait after a reconnection before sending again
 * @param resumeRampSends         sends after a reconnection that use the longest gap
 * @param pacingOverrides         per-instance pacing ({@link InstancePacing})
 * @param retrySchedule           retry delays when nothing was sent; then the message fails
 * @param pauseAfterFailures      failed sends in a row that pause an instance (0: never)
 * @param unconfirmedWindow       how long a send without answer waits for its confirmation
 * @param unconfirmedAction       then: fail or resend
 * @param redispatchAfter         a message not taken from the broker within this time is dispatched again
 * @param housekeepingIntervalMs  period of the housekeeping, in ms
 * @param housekeepingLockKey     advisory lock key of the housekeeping
 * @param maxTextLength           longest text or caption accepted
 * @param mediaAllowedHosts       media servers inside the network that media URLs may name ({@link MediaUrls})
 * @param defaultCountryCode      country code given to national numbers ({@link Recipients})
 * @param trunkPrefix             national trunk prefix replaced by the country code
 */
@ConfigurationProperties("bundle.outbound")
public record OutboundSettings(
        boolean enabled,
        String queue,
        int senders,
        long dispatchIntervalMs,
        long lockKey,
        int maxPerMinute,
        @DurationUnit(ChronoUnit.SECONDS) Duration gapMin,
        @DurationUnit(ChronoUnit.SECONDS) Duration gapMax,
        @DurationUnit(ChronoUnit.SECONDS) Duration typingPerChar,
        @DurationUnit(ChronoUnit.SECONDS) Duration typingMin,
        @DurationUnit(ChronoUnit.SECONDS) Duration typingMax,
        int dailyCap,
        int firstContactDailyCap,
        @DurationUnit(ChronoUnit.SECONDS) Duration recipientGap,
        String quietHours,
        String timeZone,
        @DurationUnit(ChronoUnit.SECONDS) Duration resumeDelay,
        int resumeRampSends,
        String pacingOverrides,
        @DurationUnit(ChronoUnit.SECONDS) List<Duration> retrySchedule,
        int pauseAfterFailures,
        @DurationUnit(ChronoUnit.SECONDS) Duration unconfirmedWindow,
        String unconfirmedAction,
        @DurationUnit(ChronoUnit.SECONDS) Duration redispatchAfter,
        long housekeepingIntervalMs,
        long housekeepingLockKey,
        int maxTextLength,
        String mediaAllowedHosts,
        String defaultCountryCode,
        String trunkPrefix) implements CheckedSettings {

    public OutboundSettings {
        retrySchedule = retrySchedule == null ? List.of() : retrySchedule.stream().filter(Objects::nonNull).toList();
        pacingOverrides = pacingOverrides == null ? "" : pacingOverrides;
        mediaAllowedHosts = mediaAllowedHosts == null ? "" : mediaAllowedHosts;
        defaultCountryCode = defaultCountryCode == null ? "" : defaultCountryCode;
        trunkPrefix = trunkPrefix == null ? "" : trunkPrefix;
    }

    @Override
    public void check(SettingProblems problems) {
        problems.notBlank("queue", queue);
        problems.atLeast("senders", senders, 1);
        problems.atLeast("dispatch-interval-ms", dispatchIntervalMs, 1);
        int before = problems.found().size();
        problems.atLeast("max-per-minute", maxPerMinute, 0);
        problems.notNegative("gap-min", gapMin);
        problems.notNegative("gap-max", gapMax);
        problems.notNegative("typing-per-char", typingPerChar);
        problems.notNegative("typing-min", typingMin);
        problems.notNegative("typing-max", typingMax);
        if (gapMin != null && gapMax != null && gapMin.compareTo(gapMax) > 0) {
            problems.add("gap-min", "must not be longer than bundle.outbound.gap-max (" + Durations.format(gapMax) + ")");
        }
        if (typingMin != null && typingMax != null && typingMin.compareTo(typingMax) > 0) {
            problems.add("typing-min", "must not be longer than bundle.outbound.typing-max ("
                    + Durations.format(typingMax) + ")");
        }
        problems.atLeast("daily-cap", dailyCap, 0);
        problems.atLeast("first-contact-daily-cap", firstContactDailyCap, 0);
        problems.notNegative("recipient-gap", recipientGap);
        boolean quietHoursRead = read(problems, "quiet-hours", () -> QuietHours.parse(quietHours));
        boolean zoneRead = read(problems, "time-zone", () -> PacingRules.zone(timeZone));
        problems.notNegative("resume-delay", resumeDelay);
        problems.atLeast("resume-ramp-sends", resumeRampSends, 0);
        if (problems.found().size() == before && quietHoursRead && zoneRead) {
            // the overrides are checked against the defaults they change, when those hold
            read(problems, "pacing-overrides", () -> new InstancePacing(this));
        }
        problems.noneNegative("retry-schedule", retrySchedule);
        problems.atLeast("pause-after-failures", pauseAfterFailures, 0);
        problems.positive("unconfirmed-window", unconfirmedWindow);
        problems.oneOf("unconfirmed-action", unconfirmedAction, "fail", "resend");
        problems.positive("redispatch-after", redispatchAfter);
        problems.atLeast("housekeeping-interval-ms", housekeepingIntervalMs, 1);
        problems.atLeast("max-text-length", maxTextLength, 1);
        read(problems, "media-allowed-hosts", () -> MediaUrls.checkAllowList(mediaAllowedHosts));
        read(problems, "default-country-code", () -> Recipients.countryCode(defaultCountryCode));
        read(problems, "trunk-prefix", () -> Recipients.trunkPrefix(trunkPrefix));
    }

    /** Whether {@code reading} succeeds; else its reason is the problem of {@code property}. */
    private static boolean read(SettingProblems problems, String property, Runnable reading) {
        try {
            reading.run();
            return true;
        } catch (IllegalArgumentException e) {
            problems.add(property, "must be valid: " + e.getMessage());
            return false;
        }
    }
}
