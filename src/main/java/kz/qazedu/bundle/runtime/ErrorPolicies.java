package kz.qazedu.bundle.runtime;

import kz.qazedu.bundle.inbound.WebhookRejectedException;
import org.apache.camel.LoggingLevel;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.springframework.stereotype.Component;

/**
 * Error policy, in one place. Routes choose theirs with {@code routeConfigurationId}:
 * <ul>
 *   <li>{@code http-intake}: bad input is answered with its 4xx and a JSON reason; a dependency that is
 *       unavailable (database down, intake saturated) with 503, so the sender retries; any other failure with
 *       500. Both carry a correlation id that the log holds with the cause. Nothing is retried inside the
 *       request.</li>
 *   <li>{@code queue-consumer}: no Camel redelivery; the exception rolls back the JMS transaction and the
 *       broker's redelivery policy owns retries, then the dead-letter queue {@code DLQ.<queue>}.</li>
 *   <li>{@code poller}: a failed poll is logged and the next poll tries again.</li>
 * </ul>
 */
@Component
public class ErrorPolicies extends RouteConfigurationBuilder {

    @Override
    public void configuration() {
        routeConfiguration("http-intake")
                .onException(WebhookRejectedException.class)
                    .handled(true)
                    .bean("webhookResponses", "rejected(${exception})")
                    .to("direct:http-reply")
                .end()
                .onException(Exception.class)
                    .handled(true)
                    .bean("webhookResponses", "failed(${exception}, ${routeId}, ${exchangeId})")
                    .to("direct:http-reply")
                .end();

        routeConfiguration("queue-consumer")
                .errorHandler(noErrorHandler());

        routeConfiguration("poller")
                .onException(Exception.class)
                    .handled(true)
                    .log(LoggingLevel.WARN, "kz.qazedu.bundle.poller",
                            "${routeId} failed, retrying on the next poll: ${exception.message}")
                .end();
    }
}
