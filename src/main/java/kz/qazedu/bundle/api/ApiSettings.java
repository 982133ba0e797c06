package kz.qazedu.bundle.api;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The bundle's own API ({@code bundle.api.*}; environment variables in {@code application.properties}).
 *
 * @param token        the token callers of the API present; empty: the API refuses every call
 * @param metricsToken a read-only token for /actuator/prometheus and health details; empty: none
 */
@ConfigurationProperties("bundle.api")
public record ApiSettings(String token, String metricsToken) {

    public ApiSettings {
        token = token == null ? "" : token;
        metricsToken = metricsToken == null ? "" : metricsToken;
    }
}
