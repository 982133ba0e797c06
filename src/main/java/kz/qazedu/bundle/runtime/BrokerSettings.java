package kz.qazedu.bundle.runtime;

import java.time.Duration;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The ActiveMQ broker ({@code bundle.broker.*}; environment variables and defaults in
 * {@code application.properties}).
 *
 * @param url            an external broker's URL; empty runs an embedded one
 * @param user           broker user
 * @param password       broker password
 * @param dataDir        data directory of the embedded broker
 * @param embeddedName   name of the embedded broker
 * @param embeddedListen extra listen address of the embedded broker for other systems; empty: this process only
 * @param redelivery     redelivery of a failed transacted consumer, then the dead-letter queue
 */
@ConfigurationProperties("bundle.broker")
public record BrokerSettings(String url, String user, String password, String dataDir, String embeddedName,
                             String embeddedListen, Redelivery redelivery) implements CheckedSettings {

    /**
     * @param max            redeliveries before the dead-letter queue
     * @param initialDelayMs first redelivery delay (a bare number is milliseconds)
     * @param multiplier     backoff multiplier between redeliveries (1: no backoff)
     * @param maxDelayMs     longest redelivery delay (a bare number is milliseconds)
     */
    public record Redelivery(int max, Duration initialDelayMs, double multiplier, Duration maxDelayMs) {
    }

    public BrokerSettings {
        url = url == null ? "" : url;
        user = user == null ? "" : user;
        password = password == null ? "" : password;
        embeddedListen = embeddedListen == null ? "" : embeddedListen;
    }

    /** Whether the bundle runs its own broker. */
    public boolean embedded() {
        return url.isBlank();
    }

    @Override
    public void check(SettingProblems problems) {
        if (embedded()) {
            problems.notBlank("data-dir", dataDir);
            problems.notBlank("embedded-name", embeddedName);
            if (!embeddedListen.isBlank() && (user.isBlank() || password.isBlank())) {
                // other systems may connect: only with the broker's credentials, never anonymously
                problems.add("embedded-listen", "must stay empty unless bundle.broker.user and bundle.broker.password"
                        + " (BROKER_USER, BROKER_PASSWORD) are set: it opens the embedded broker to other processes");
            }
        }
        if (redelivery == null) {
            problems.add("redelivery.max", "must be set");
            return;
        }
        problems.atLeast("redelivery.max", redelivery.max(), 0);
        problems.positive("redelivery.initial-delay-ms", redelivery.initialDelayMs());
        if (!(redelivery.multiplier() >= 1)) {
            problems.add("redelivery.multiplier", "must be at least 1");
        }
        problems.positive("redelivery.max-delay-ms", redelivery.maxDelayMs());
        if (redelivery.initialDelayMs() != null && redelivery.maxDelayMs() != null
                && redelivery.maxDelayMs().compareTo(redelivery.initialDelayMs()) < 0) {
            problems.add("redelivery.max-delay-ms", "must not be shorter than bundle.broker.redelivery.initial-delay-ms");
        }
    }
}
