package kz.qazedu.bundle.runtime;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The bundle's own PostgreSQL settings ({@code bundle.db.*}; environment variables and defaults in
 * {@code application.properties}; the connection itself is Spring's {@code spring.datasource.*}).
 * {@code queue-vacuum-interval-ms} is the period of {@code routes/queue-vacuum.camel.yaml}'s timer.
 *
 * @param embeddedDataDir       data directory of the embedded PostgreSQL
 * @param embeddedPort          its port on 127.0.0.1 (0: any free port)
 * @param queueVacuumDeadRows   dead rows of a queue table beyond which the bundle vacuums it (0: never)
 * @param queueVacuumIntervalMs how often the queue tables are looked at, in ms
 */
@ConfigurationProperties("bundle.db")
public record DatabaseSettings(String embeddedDataDir, int embeddedPort, long queueVacuumDeadRows,
                               long queueVacuumIntervalMs) implements CheckedSettings {

    @Override
    public void check(SettingProblems problems) {
        problems.notBlank("embedded-data-dir", embeddedDataDir);
        problems.between("embedded-port", embeddedPort, 0, 65535);
        problems.atLeast("queue-vacuum-dead-rows", queueVacuumDeadRows, 0);
        problems.atLeast("queue-vacuum-interval-ms", queueVacuumIntervalMs, 1);
    }
}
