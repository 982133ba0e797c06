package kz.qazedu.bundle.instance;

import java.util.List;
import java.util.Map;

import kz.qazedu.bundle.outbound.OutboundHealth;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * {@code evolution} in {@code /actuator/health} (and shown beside readiness): whether Evolution answered the bundle's
 * key at the latest look ({@link InstanceWatch}, every {@code INSTANCE_WATCH_INTERVAL_MS}), and how many instances it
 * has, and the instances that are open but silent ({@link InstanceWatchdog}). Evolution unreachable or refusing the
 * key, or a silent instance, is {@code DEGRADED}: numbers cannot be created or sent from, but
 * the bundle still takes every webhook and must not be restarted for it. {@code UNKNOWN} until the first look, or
 * when no {@code EVOLUTION_API_KEY} is set.
 */
@Component("evolution")
public class EvolutionHealth extends AbstractHealthIndicator {

    private final InstanceWatch watch;
    private final InstanceWatchdog watchdog;

    public EvolutionHealth(InstanceWatch watch, InstanceWatchdog watchdog) {
        super("evolution health check failed");
        this.watch = watch;
        this.watchdog = watchdog;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        InstanceWatch.Probe probe = watch.latest();
        List<Map<String, Object>> silent = watchdog.silentNow();
        Status status;
        if (!watch.evolutionConfigured()) {
            status = Status.UNKNOWN;
            health.withDetail("reason", "EVOLUTION_API_KEY is not set");
        } else if (probe == null) {
            status = Status.UNKNOWN;
            health.withDetail("reason", "not looked at yet");
        } else {
            status = probe.reachable() ? Status.UP : OutboundHealth.DEGRADED;
            health.withDetail("checkedAt", probe.at().toString());
            if (probe.instances() != null) {
                health.withDetail("instances", probe.instances());
            }
            if (probe.problem() != null) {
                health.withDetail("problem", probe.problem());
            }
        }
        // open, yet no event for longer than INSTANCE_SILENCE_LIMIT: someone should look (or the watchdog restarts it)
        health.withDetail("silentInstances", silent);
        health.status(silent.isEmpty() ? status : OutboundHealth.DEGRADED);
    }
}
