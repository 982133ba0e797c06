package kz.qazedu.bundle.runtime;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.edge.RequestRejectedException;
import org.apache.camel.Exchange;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Error policy, in one place. Routes choose theirs with {@code routeConfigurationId}:
 * <ul>
 *   <li>{@code http-intake}: bad input is answered with its 4xx and a JSON reason; a dependency that is
 *       unavailable (database down, intake saturated) with 503, so the sender retries; any other failure with
 *       500. Both carry a correlation id that the log holds with the cause. Nothing is retried inside the
 *       request.</li>
 *   <li>{@code queue-consumer}: no Camel redelivery; the exception rolls back the JMS transaction and the
 *       broker's redelivery policy owns retries, then the dead-letter queue {@code DLQ.<queue>}. The last failed
 *       delivery is logged with its event id and counted ({@code bundle_events_dead_total{stage="store"}}).</li>
 *   <li>{@code relay}: a failed round is rolled back and reported to the outbox, which narrows it down to the
 *       event that fails and sets that one aside (see {@code EventOutbox}); the next poll goes on.</li>
 *   <li>{@code poller}: a failed poll is logged and the next poll tries again.</li>
 * </ul>
 */
@Component
public class ErrorPolicies extends RouteConfigurationBuilder {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorPolicies.class);

    private final int maxRedeliveries;
    private final Counter storeDeadLetters;

    public ErrorPolicies(MeterRegistry meters, BrokerSettings broker) {
        this.maxRedeliveries = broker.redelivery().max();
        this.storeDeadLetters = meters.counter("bundle.events.dead", "stage", "store");
    }

    @Override
    public void configuration() {
        routeConfiguration("http-intake")
                .onException(RequestRejectedException.class)
                    .handled(true)
                    .bean("errorReplies", "rejected(${exception})")
                    .to("direct:http-reply")
                .end()
                .onException(Exception.class)
                    .handled(true)
                    .bean("errorReplies", "failed(${exception}, ${routeId}, ${exchangeId})")
                    .to("direct:http-reply")
                .end();

        routeConfiguration("queue-consumer")
                .errorHandler(noErrorHandler())
                .onCompletion().onFailureOnly()
                    .process(this::countDeadLetter);

        routeConfiguration("relay")
                .onException(Exception.class)
                    .handled(true)
                    .bean("eventOutbox", "roundFailed(${exception})")
                    .log(LoggingLevel.WARN, "kz.qazedu.bundle.relay",
                            "Relay round failed and was rolled back, retrying: ${exception.message}")
                    .markRollbackOnly()
                .end();

        routeConfiguration("poller")
                .onException(Exception.class)
                    .handled(true)
                    .log(LoggingLevel.WARN, "kz.qazedu.bundle.poller",
                            "${routeId} failed, retrying on the next poll: ${exception.message}")
                .end();
    }

    /** After the broker's last redelivery a failed message goes to {@code DLQ.<queue>}: say so, with its event id. */
    private void countDeadLetter(Exchange exchange) {
        Integer deliveries = exchange.getMessage().getHeader("JMSXDeliveryCount", Integer.class);
        if (deliveries != null && deliveries > maxRedeliveries) {
            storeDeadLetters.increment();
            Exception cause = exchange.getException() != null ? exchange.getException()
                    : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Exception.class);
            LOG.error("Event {} ({}) dead-lettered by {} after {} deliveries: {}",
                    exchange.getMessage().getHeader("eventId"), exchange.getMessage().getHeader("eventType"),
                    exchange.getFromRouteId(), deliveries, cause == null ? "failed" : cause.toString());
        }
    }
}
