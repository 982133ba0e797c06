package kz.qazedu.bundle.runtime;

import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.api.ApiAuthenticator;
import kz.qazedu.bundle.edge.BundleHttpServer;
import kz.qazedu.bundle.edge.HttpLimits;
import kz.qazedu.bundle.edge.JsonReplies;
import kz.qazedu.bundle.edge.RealHeadersOnly;
import kz.qazedu.bundle.edge.RequestGuard;
import kz.qazedu.bundle.inbound.WebhookAuthenticator;
import kz.qazedu.bundle.inbound.WebhookSettings;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Serves every {@code platform-http} route on Camel's Vert.x engine, through the bundle's own {@link BundleHttpServer}
 * with its {@link RequestGuard} in front. Route headers come from the request's headers only, never from its query
 * string ({@link RealHeadersOnly}).
 */
@Configuration(proxyBeanMethods = false)
public class HttpServerConfiguration {

    @Bean(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME)
    VertxPlatformHttpEngine platformHttpEngine() {
        return new VertxPlatformHttpEngine();
    }

    /** Tells Camel's engine the configured port, under which the server binds its router. */
    @Bean
    VertxPlatformHttpServerConfiguration httpServerSettings(HttpLimits limits) {
        VertxPlatformHttpServerConfiguration settings = new VertxPlatformHttpServerConfiguration();
        settings.setBindHost(limits.host());
        settings.setBindPort(limits.port());
        settings.setMaxBodySize(limits.maxBodyBytes());
        return settings;
    }

    @Bean
    RequestGuard requestGuard(HttpLimits limits, WebhookAuthenticator webhooks, ApiAuthenticator api,
                              JsonReplies replies, MeterRegistry meters, WebhookSettings webhook) {
        return new RequestGuard(limits, webhooks, webhook.tokenHeader(), api, replies, meters);
    }

    @Bean
    BundleHttpServer bundleHttpServer(HttpLimits limits, RequestGuard guard) {
        return new BundleHttpServer(limits, guard);
    }

    @Bean
    CamelContextConfiguration httpServerStartup(BundleHttpServer server) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camelContext) {
                camelContext.getComponent("platform-http", PlatformHttpComponent.class)
                        .setHeaderFilterStrategy(new RealHeadersOnly());
                try {
                    camelContext.addService(server, true, true);
                } catch (Exception e) {
                    throw new IllegalStateException("Cannot start the HTTP server", e);
                }
            }

            @Override
            public void afterApplicationStart(CamelContext camelContext) {
                // nothing: the server was started before the routes
            }
        };
    }
}
