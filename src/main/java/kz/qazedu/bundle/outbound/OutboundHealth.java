package kz.qazedu.bundle.outbound;

import java.util.List;
import java.util.Map;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * {@code outbound} in {@code /actuator/health}: the instances whose sending is paused and why, and the instance
 * names sends went to in the last hour that Evolution does not know (a mistyped name in the CRM's requests). Either
 * kind of configuration error makes the component {@code DEGRADED}: someone has to fix the configuration, but the
 * bundle itself is fine (webhooks are still taken) and must not be restarted for it.
 */
@Component("outbound")
public class OutboundHealth extends AbstractHealthIndicator {

    public static final Status DEGRADED = new Status("DEGRADED", "sending is paused on an instance by a configuration error");

    private final InstanceSending sending;

    public OutboundHealth(InstanceSending sending) {
        super("outbound health check failed");
        this.sending = sending;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        List<Map<String, Object>> paused = sending.paused();
        List<String> unknown = sending.unknownToEvolution();
        boolean misconfigured = !unknown.isEmpty()
                || paused.stream().anyMatch(p -> OutboundReason.CONFIGURATION.code().equals(p.get("reasonCode")));
        health.status(misconfigured ? DEGRADED : Status.UP)
                .withDetail("pausedInstances", paused)
                .withDetail("unknownInstances", unknown);
    }
}
