package kz.qazedu.bundle.instance;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import kz.qazedu.bundle.whatsapp.EvolutionSettings;
import org.apache.camel.ProducerTemplate;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Watches Evolution and the instances every {@code INSTANCE_WATCH_INTERVAL_MS}: instances gone silent
 * ({@link InstanceWatchdog}), whether Evolution answers with
 * the bundle's key (for {@code evolution} in health, which reads the latest result and never waits for Evolution
 * itself), and, per instance the bundle knows (at most {@code METRICS_MAX_INSTANCES}), the gauges
 * {@code bundle_instance_connected{instance}} (1 while its state is {@code open}) and
 * {@code bundle_instance_last_event_age_seconds{instance}} (since its latest event from Evolution).
 */
@Component("instanceWatch")
public class InstanceWatch {

    private final ProducerTemplate calls;
    private final InstanceWatchdog watchdog;
    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final boolean evolutionConfigured;
    private final int maxInstances;
    private final MultiGauge connected;
    private final MultiGauge lastEventAge;
    private volatile Probe latest;

    public InstanceWatch(ProducerTemplate calls, InstanceWatchdog watchdog, JdbcTemplate jdbc, Clock clock,
                         MeterRegistry meters,
                         EvolutionSettings evolution,
                         MetricsSettings metrics) {
        this.calls = calls;
        this.watchdog = watchdog;
        this.jdbc = jdbc;
        this.clock = clock;
        this.evolutionConfigured = !evolution.apiKey().isBlank();
        this.maxInstances = metrics.maxInstances();
        this.connected = MultiGauge.builder("bundle.instance.connected")
                .description("1 while the instance's connection state is open").register(meters);
        this.lastEventAge = MultiGauge.builder("bundle.instance.last.event.age").baseUnit("seconds")
                .description("time since the instance's latest event from Evolution").register(meters);
    }

    public void check() {
        watchdog.check();
        if (evolutionConfigured) {
            Instant at = clock.instant();
            EvolutionAnswer answer = calls.requestBody("direct:evolution-admin-call",
                    EvolutionCall.get("/instance/fetchInstances"), EvolutionAnswer.class);
            latest = new Probe(at, answer.succeeded(), answer.status(),
                    answer.succeeded() ? null : answer.answered() ? answer.status() + ": " + answer.message() : answer.message(),
                    answer.succeeded() && answer.body().isArray() ? answer.body().size() : null);
        }
        refreshGauges();
    }

    /** The latest probe of Evolution, or null before the first (or when no key is configured). */
    public Probe latest() {
        return latest;
    }

    public boolean evolutionConfigured() {
        return evolutionConfigured;
    }

    private void refreshGauges() {
        Instant now = clock.instant();
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select name, state, last_event_at from instance where removed_at is null
                 order by last_event_at desc nulls last, name limit ?
                """, maxInstances);
        List<MultiGauge.Row<?>> states = new ArrayList<>();
        List<MultiGauge.Row<?>> ages = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            Tags tags = Tags.of("instance", (String) row.get("name"));
            states.add(MultiGauge.Row.of(tags, "open".equals(row.get("state")) ? 1 : 0));
            if (row.get("last_event_at") instanceof Timestamp last) {
                ages.add(MultiGauge.Row.of(tags, Math.max(0, Duration.between(last.toInstant(), now).toSeconds())));
            }
        }
        connected.register(states, true);
        lastEventAge.register(ages, true);
    }

    /** One look at Evolution. */
    public record Probe(Instant at, boolean reachable, Integer status, String problem, Integer instances) {
    }
}
