package kz.qazedu.bundle.instance;

import kz.qazedu.bundle.outbound.OutboundHealth;
import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * {@code evolution} in {@code /actuator/health} (and shown beside readiness): whether Evolution answered the bundle's
 * key at the latest look ({@link InstanceWatch}, every {@code INSTANCE_WATCH_INTERVAL_MS}), and how many instances it
 * has. Evolution unreachable or refusing the key is {@code DEGRADED}: numbers cannot be created or sent from, but
 * the bundle still takes every webhook and must not be restarted for it. {@code UNKNOWN} until the first look, or
 * when no {@code EVOLUTION_API_KEY} is set.
 */
@Component("evolution")
public class EvolutionHealth extends AbstractHealthIndicator {

    private final InstanceWatch watch;

    public EvolutionHealth(InstanceWatch watch) {
        super("evolution health check failed");
        this.watch = watch;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        InstanceWatch.Probe probe = watch.latest();
        if (!watch.evolutionConfigured()) {
            health.status(Status.UNKNOWN).withDetail("reason", "EVOLUTION_API_KEY is not set");
            return;
        }
        if (probe == null) {
            health.status(Status.UNKNOWN).withDetail("reason", "not looked at yet");
            return;
        }
        health.status(probe.reachable() ? Status.UP : OutboundHealth.DEGRADED).withDetail("checkedAt", probe.at().toString());
        if (probe.instances() != null) {
            health.withDetail("instances", probe.instances());
        }
        if (probe.problem() != null) {
            health.withDetail("problem", probe.problem());
        }
    }
}
