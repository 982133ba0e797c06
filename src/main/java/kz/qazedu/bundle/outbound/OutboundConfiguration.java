package kz.qazedu.bundle.outbound;

import java.net.InetAddress;
import java.util.Random;
import java.util.random.RandomGenerator;

import kz.qazedu.bundle.whatsapp.EvolutionSettings;
import org.apache.camel.component.http.HttpComponent;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The outbound side's randomness (the gaps) and the HTTP client toward Evolution: a component of its own
 * ({@code evolution-http}), because Evolution holds a send for the whole typing delay, so its timeout is the
 * longest typing delay (of any instance) plus {@code EVOLUTION_TIMEOUT_MS}, not the CRM's.
 */
@Configuration(proxyBeanMethods = false)
public class OutboundConfiguration {

    /** java.util.Random is safe to share: senders draw gaps concurrently for different instances. */
    @Bean
    RandomGenerator outboundRandom() {
        return new Random();
    }

    /** The system's name service, for the media URL check; tests put a fixed one in its place. */
    @Bean
    @ConditionalOnMissingBean
    MediaUrls.HostResolver hostResolver() {
        return InetAddress::getAllByName;
    }

    @Bean("evolution-http")
    HttpComponent evolutionHttp(
            EvolutionSettings evolution,
            InstancePacing pacing,
            OutboundSettings settings) {
        HttpComponent http = new HttpComponent();
        long connectTimeoutMs = evolution.connectTimeoutMs().toMillis();
        long responseTimeout = evolution.timeoutMs().plus(pacing.longestTyping()).toMillis();
        int senders = settings.senders();
        http.setConnectTimeout(connectTimeoutMs);
        http.setConnectionRequestTimeout(connectTimeoutMs);
        http.setResponseTimeout(responseTimeout);
        http.setSoTimeout(responseTimeout);
        // a send is never repeated by the client: a retried POST could message the person twice
        http.setAutomaticRetriesDisabled(true);
        http.setConnectionsPerRoute(Math.max(2, senders));
        http.setMaxTotalConnections(Math.max(20, senders * 2));
        return http;
    }
}
