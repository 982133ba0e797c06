package kz.qazedu.bundle.whatsapp;

import java.time.Duration;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The Evolution API the bundle calls ({@code bundle.evolution.*}; environment variables and defaults in
 * {@code application.properties}): the sender and the instance routes use it alike.
 *
 * @param url              base URL of the Evolution API (read by the routes)
 * @param apiKey           Evolution's global API key, sent as the apikey header; empty: no calls to agree with
 * @param timeoutMs        how long a send may take beyond its typing delay (a bare number is milliseconds)
 * @param connectTimeoutMs connect timeout toward Evolution (a bare number is milliseconds)
 */
@ConfigurationProperties("bundle.evolution")
public record EvolutionSettings(String url, String apiKey, Duration timeoutMs, Duration connectTimeoutMs)
        implements CheckedSettings {

    public EvolutionSettings {
        apiKey = apiKey == null ? "" : apiKey;
    }

    @Override
    public void check(SettingProblems problems) {
        problems.httpUrl("url", url);
        problems.positive("timeout-ms", timeoutMs);
        problems.positive("connect-timeout-ms", connectTimeoutMs);
    }
}
