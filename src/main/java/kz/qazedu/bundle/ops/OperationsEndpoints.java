package kz.qazedu.bundle.ops;

import java.util.LinkedHashMap;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.auth.User;
import kz.qazedu.bundle.edge.HttpReply;
import org.apache.camel.Header;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConstants;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.CompositeHealth;
import org.springframework.boot.actuate.health.HealthComponent;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * Spring Boot Actuator's health and Prometheus metrics, served on the bundle's one HTTP port (the Vert.x
 * engine) since there is no servlet container:
 * <ul>
 *   <li>{@code GET /actuator/health}: every component (database, broker, Camel, disk, journal, outbound sending,
 *       the two probes' states);</li>
 *   <li>{@code GET /actuator/health/liveness}: whether the process should be restarted: the application's
 *       liveness state and the journal's writer. Neither PostgreSQL nor the broker counts: a restart mends
 *       neither;</li>
 *   <li>{@code GET /actuator/health/readiness}: whether webhooks can be taken durably now: the application's
 *       readiness state (accepting traffic once started, refusing from the moment it begins to stop:
 *       {@link RefuseTrafficWhenClosing}), PostgreSQL and the journal's
 *       writer. The broker does not count, since events wait in PostgreSQL while it is down, nor does Evolution,
 *       from which the webhooks come; an operator sees their state beside the components, under {@code broker}
 *       and {@code evolution};</li>
 *   <li>{@code GET /actuator/prometheus} (metrics or API token only).</li>
 * </ul>
 * Each health answer is 200 when UP or DEGRADED and 503 when DOWN or OUT_OF_SERVICE; with the metrics or API token
 * it holds the components' details, without one the status alone (and readiness then leaves the broker alone).
 * Health groups {@code liveness} and {@code readiness} are set in application.properties.
 */
@Component("operationsEndpoints")
public class OperationsEndpoints {

    static final String LIVENESS = "liveness";
    static final String READINESS = "readiness";
    /** The broker's health contributor (Spring Boot's JMS health indicator). */
    static final String BROKER = "jms";
    /** Whether Evolution answers the bundle's key (kz.qazedu.bundle.instance.EvolutionHealth). */
    static final String EVOLUTION = "evolution";

    // looked up when first asked: the meter registry is built after the Camel context it measures
    private final ObjectProvider<HealthEndpoint> health;
    private final ObjectProvider<PrometheusMeterRegistry> prometheus;
    private final ObjectMapper json;

    public OperationsEndpoints(
            ObjectProvider<HealthEndpoint> health,
            ObjectProvider<PrometheusMeterRegistry> prometheus,
            ObjectMapper json) {
        this.health = health;
        this.prometheus = prometheus;
        this.json = json;
    }

    /**
     * @param operator set by the HTTP edge when the request carried the metrics or API token: only then does the
     *                 answer hold the components' details (paused instances carry phone numbers and Evolution's
     *                 error texts); anyone else gets the status alone
     */
    public HttpReply health(@Header(VertxPlatformHttpConstants.AUTHENTICATED_USER) Object operator)
            throws JsonProcessingException {
        HealthComponent report = health.getObject().health();
        return reply(report.getStatus(), isOperator(operator) ? report : null);
    }

    public HttpReply liveness(@Header(VertxPlatformHttpConstants.AUTHENTICATED_USER) Object operator)
            throws JsonProcessingException {
        HealthComponent report = group(LIVENESS);
        return reply(report.getStatus(), isOperator(operator) ? report : null);
    }

    public HttpReply readiness(@Header(VertxPlatformHttpConstants.AUTHENTICATED_USER) Object operator)
            throws JsonProcessingException {
        HealthComponent report = group(READINESS);
        if (!isOperator(operator)) {
            return reply(report.getStatus(), null);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", report.getStatus().getCode());
        if (report instanceof CompositeHealth composite) {
            body.put("components", composite.getComponents());
        }
        // shown, never counted: the intake rides out a broker outage (events wait in PostgreSQL), and Evolution
        // being away stops no webhook (they come from it)
        show(body, "broker", BROKER);
        show(body, "evolution", EVOLUTION);
        return reply(report.getStatus(), body);
    }

    private void show(Map<String, Object> body, String name, String path) {
        HealthComponent component = health.getObject().healthForPath(path);
        if (component != null) {
            Map<String, Object> shown = json.convertValue(component, new TypeReference<Map<String, Object>>() { });
            // the health groups' names, which Spring Boot adds to a component asked for by its path alone
            shown.remove("groups");
            body.put(name, shown);
        }
    }

    public String metrics() {
        return prometheus.getObject().scrape();
    }

    private HealthComponent group(String name) {
        HealthComponent report = health.getObject().healthForPath(name);
        if (report == null) {
            throw new IllegalStateException("no health group " + name + " (management.endpoint.health.group."
                    + name + " in application.properties)");
        }
        return report;
    }

    /** @param details the answer for an operator, or null for the status alone */
    private HttpReply reply(Status status, Object details) throws JsonProcessingException {
        boolean serving = !Status.DOWN.equals(status) && !Status.OUT_OF_SERVICE.equals(status);
        Object body = details != null ? details : Map.of("status", status.getCode());
        return new HttpReply(serving ? 200 : 503, json.writeValueAsString(body));
    }

    private static boolean isOperator(Object operator) {
        return operator instanceof User;
    }
}
