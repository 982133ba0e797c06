package kz.qazedu.bundle.ops;

import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.vertx.ext.auth.User;
import kz.qazedu.bundle.inbound.WebhookResponses.HttpReply;
import org.apache.camel.Header;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpConstants;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.health.HealthComponent;
import org.springframework.boot.actuate.health.HealthEndpoint;
import org.springframework.boot.actuate.health.Status;
import org.springframework.stereotype.Component;

/**
 * Spring Boot Actuator's health and Prometheus metrics, served on the bundle's one HTTP port (the Vert.x
 * engine) since there is no servlet container: {@code GET /actuator/health} (200 when UP or DEGRADED, 503 when
 * DOWN or OUT_OF_SERVICE; with the metrics or API token, every component: database, broker, Camel, disk, outbound
 * sending) and {@code GET /actuator/prometheus} (metrics or API token only).
 */
@Component("operationsEndpoints")
public class OperationsEndpoints {

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
        Status status = report.getStatus();
        boolean serving = !Status.DOWN.equals(status) && !Status.OUT_OF_SERVICE.equals(status);
        Object body = operator instanceof User ? report : Map.of("status", status.getCode());
        return new HttpReply(serving ? 200 : 503, json.writeValueAsString(body));
    }

    public String metrics() {
        return prometheus.getObject().scrape();
    }
}
