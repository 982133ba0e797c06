package kz.qazedu.bundle.crm;

import java.time.Duration;
import java.time.temporal.ChronoUnit;
import java.util.List;
import java.util.Objects;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.convert.DurationUnit;

/**
 * CRM forwarding ({@code bundle.crm.*}; environment variables and defaults in {@code application.properties},
 * meanings in docs/configuration.md). {@code poll-interval-ms} and {@code retention-interval-ms} are the periods of
 * the routes' timers ({@code routes/crm-forward.camel.yaml}, {@code routes/crm-delivery-retention.camel.yaml}), in
 * milliseconds; they are here to be checked with the rest.
 *
 * @param enabled           forward events to the CRM
 * @param url               the CRM endpoint
 * @param webhookSecret     the Standard Webhooks signing secret (required while forwarding)
 * @param excludedEvents    event types never forwarded
 * @param retrySchedule     delays before each retry (a bare number is seconds); then the delivery is dead-lettered
 * @param concurrency       deliveries in flight at once
 * @param batchSize         chats one round claims
 * @param chatBurst         deliveries of one chat a round may send in a row
 * @param lockKey           advisory lock key of the forwarding turn
 * @param pollIntervalMs    how often an idle forwarder looks for due deliveries, in ms
 * @param timeoutMs         connect and response timeout of a CRM call (a bare number is milliseconds)
 * @param probeInterval     while the CRM seems down, how often the oldest waiting delivery is tried ahead of time
 * @param recoveryDebounce  the deliveries waiting out an outage are made due at most once per this time
 * @param retention         how long delivered deliveries are kept (zero: for ever)
 * @param retentionBatch    deliveries one statement of the retention removes
 * @param retentionIntervalMs how often old deliveries are removed, in ms
 * @param deadLetterQueue   broker queue that gets a copy of every dead-lettered delivery
 */
@ConfigurationProperties("bundle.crm")
public record CrmSettings(
        boolean enabled,
        String url,
        String webhookSecret,
        List<String> excludedEvents,
        @DurationUnit(ChronoUnit.SECONDS) List<Duration> retrySchedule,
        int concurrency,
        int batchSize,
        int chatBurst,
        long lockKey,
        long pollIntervalMs,
        Duration timeoutMs,
        Duration probeInterval,
        Duration recoveryDebounce,
        Duration retention,
        int retentionBatch,
        long retentionIntervalMs,
        String deadLetterQueue) implements CheckedSettings {

    public CrmSettings {
        excludedEvents = excludedEvents == null ? List.of() : excludedEvents.stream().filter(Objects::nonNull).toList();
        retrySchedule = retrySchedule == null ? List.of() : retrySchedule.stream().filter(Objects::nonNull).toList();
    }

    @Override
    public void check(SettingProblems problems) {
        problems.httpUrl("url", url);
        if (enabled && (webhookSecret == null || webhookSecret.isBlank())) {
            problems.add("webhook-secret", "must be set while CRM forwarding is on (deliveries are always signed)");
        }
        problems.noneNegative("retry-schedule", retrySchedule);
        problems.atLeast("concurrency", concurrency, 1);
        problems.atLeast("batch-size", batchSize, 1);
        problems.atLeast("chat-burst", chatBurst, 1);
        problems.atLeast("poll-interval-ms", pollIntervalMs, 1);
        problems.positive("timeout-ms", timeoutMs);
        problems.positive("probe-interval", probeInterval);
        problems.notNegative("recovery-debounce", recoveryDebounce);
        problems.notNegative("retention", retention);
        problems.atLeast("retention-batch", retentionBatch, 1);
        problems.atLeast("retention-interval-ms", retentionIntervalMs, 1);
        problems.notBlank("dead-letter-queue", deadLetterQueue);
    }
}
