package kz.qazedu.bundle.inbound;

import java.time.Duration;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * How Evolution's webhooks are authenticated and what is redacted from them ({@code bundle.webhook.*};
 * environment variables and defaults in {@code application.properties}).
 *
 * @param token                 shared secret in a custom header or the path; this or {@code jwtSecret} is required
 * @param tokenHeader           name of the header that carries the token
 * @param jwtSecret             secret of Evolution's HS256 JWTs; empty disables JWTs
 * @param redactEvolutionApikey replace the body's instance API key before the event is stored
 * @param redactMediaKeys       replace every media message's mediaKey before the event is stored
 * @param jwtLeewaySeconds      clock skew tolerated on a JWT's exp and iat, in seconds
 * @param jwtMaxLifetime        longest a JWT may live (a bare number is milliseconds)
 */
@ConfigurationProperties("bundle.webhook")
public record WebhookSettings(
        String token,
        String tokenHeader,
        String jwtSecret,
        boolean redactEvolutionApikey,
        boolean redactMediaKeys,
        long jwtLeewaySeconds,
        Duration jwtMaxLifetime) implements CheckedSettings {

    public WebhookSettings {
        token = token == null ? "" : token;
        jwtSecret = jwtSecret == null ? "" : jwtSecret;
    }

    @Override
    public void check(SettingProblems problems) {
        if (token.isBlank() && jwtSecret.isBlank()) {
            problems.add("token", "must be set, or bundle.webhook.jwt-secret (WEBHOOK_JWT_SECRET), or both: the"
                    + " webhook endpoint never runs unauthenticated");
        }
        problems.notBlank("token-header", tokenHeader);
        problems.atLeast("jwt-leeway-seconds", jwtLeewaySeconds, 0);
        problems.positive("jwt-max-lifetime", jwtMaxLifetime);
    }
}
