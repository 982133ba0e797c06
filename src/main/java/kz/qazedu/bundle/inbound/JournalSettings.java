package kz.qazedu.bundle.inbound;

import java.time.Duration;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The event journal, the intake's durable point ({@code bundle.journal.*}; environment variables and defaults in
 * {@code application.properties}).
 *
 * @param batchSize       events written per multi-row batch
 * @param queueCapacity   requests waiting for a batch; beyond it the intake answers 503
 * @param commitTimeoutMs longest a request waits for its batch to commit (a bare number is milliseconds)
 */
@ConfigurationProperties("bundle.journal")
public record JournalSettings(int batchSize, int queueCapacity, Duration commitTimeoutMs) implements CheckedSettings {

    @Override
    public void check(SettingProblems problems) {
        problems.atLeast("batch-size", batchSize, 1);
        problems.atLeast("queue-capacity", queueCapacity, 1);
        problems.positive("commit-timeout-ms", commitTimeoutMs);
    }
}
