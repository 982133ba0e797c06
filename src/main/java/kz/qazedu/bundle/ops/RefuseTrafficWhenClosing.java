package kz.qazedu.bundle.ops;

import org.springframework.boot.availability.AvailabilityChangeEvent;
import org.springframework.boot.availability.ReadinessState;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.stereotype.Component;

/**
 * Readiness turns {@code OUT_OF_SERVICE} (503) as soon as the bundle begins to stop, while the requests in flight
 * are still answered and the journal commits its last batch: a load balancer sends no more webhooks to a replica
 * that is going away. Spring Boot does this itself only for a servlet or reactive web server, which the bundle does
 * not use (its HTTP server is Camel's Vert.x engine).
 */
@Component
public class RefuseTrafficWhenClosing implements ApplicationListener<ContextClosedEvent> {

    private final ApplicationContext context;

    public RefuseTrafficWhenClosing(ApplicationContext context) {
        this.context = context;
    }

    @Override
    public void onApplicationEvent(ContextClosedEvent event) {
        if (event.getApplicationContext() == context) {
            AvailabilityChangeEvent.publish(context, ReadinessState.REFUSING_TRAFFIC);
        }
    }
}
