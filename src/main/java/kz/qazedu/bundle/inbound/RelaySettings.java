package kz.qazedu.bundle.inbound;

import java.time.Duration;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The outbox relay, journal to broker ({@code bundle.relay.*}; environment variables and defaults in
 * {@code application.properties}). {@code poll-interval-ms} is the period of the relay's timer
 * ({@code routes/event-outbox-relay.camel.yaml}).
 *
 * @param batchSize      events per relay round
 * @param batchBytes     most payload bytes per round (the oldest event always goes)
 * @param pollIntervalMs period of the relay's timer, in ms
 * @param lockKey        advisory lock key that lets one replica relay at a time
 * @param maxAttempts    failed rounds of an event alone before it may be set aside
 * @param maxBackoff     longest wait between failed rounds (a bare number is milliseconds)
 */
@ConfigurationProperties("bundle.relay")
public record RelaySettings(int batchSize, long batchBytes, long pollIntervalMs, long lockKey, int maxAttempts,
                            Duration maxBackoff) implements CheckedSettings {

    @Override
    public void check(SettingProblems problems) {
        problems.atLeast("batch-size", batchSize, 1);
        problems.atLeast("batch-bytes", batchBytes, 1);
        problems.atLeast("poll-interval-ms", pollIntervalMs, 1);
        problems.atLeast("max-attempts", maxAttempts, 1);
        problems.notNegative("max-backoff", maxBackoff);
    }
}
