package kz.qazedu.bundle.message;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The bundle's own storing consumer ({@code bundle.store.*}; environment variable and default in
 * {@code application.properties}).
 *
 * @param consumerName the name in the consumer queues it reads, {@code Consumer.<name>.<topic>}
 */
@ConfigurationProperties("bundle.store")
public record StoreSettings(String consumerName) implements CheckedSettings {

    @Override
    public void check(SettingProblems problems) {
        problems.notBlank("consumer-name", consumerName);
    }
}
