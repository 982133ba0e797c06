package kz.qazedu.bundle.instance;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The instances' metric tags ({@code bundle.metrics.*}; environment variable and default in
 * {@code application.properties}).
 *
 * @param maxInstances instances with a metric tag of their own; any other instance name shares "other"
 */
@ConfigurationProperties("bundle.metrics")
public record MetricsSettings(int maxInstances) implements CheckedSettings {

    @Override
    public void check(SettingProblems problems) {
        problems.atLeast("max-instances", maxInstances, 0);
    }
}
