package kz.qazedu.bundle.runtime;

import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.component.platform.http.PlatformHttpConstants;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpEngine;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServerConfiguration;
import org.apache.camel.spring.boot.CamelContextConfiguration;
import org.apache.camel.support.CamelContextHelper;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Serves every {@code platform-http} route on Camel's Vert.x engine: a non-blocking HTTP server whose
 * worker pool runs the routes. The server starts with the Camel context, before the routes that use it.
 */
@Configuration(proxyBeanMethods = false)
public class HttpServerConfiguration {

    @Bean
    VertxOptions vertxOptions(@Value("${bundle.http.worker-threads}") int workerThreads) {
        return new VertxOptions().setWorkerPoolSize(workerThreads);
    }

    @Bean(PlatformHttpConstants.PLATFORM_HTTP_ENGINE_NAME)
    VertxPlatformHttpEngine platformHttpEngine() {
        return new VertxPlatformHttpEngine();
    }

    @Bean
    VertxPlatformHttpServerConfiguration httpServerSettings(
            @Value("${bundle.http.host}") String host,
            @Value("${bundle.http.port}") int port,
            @Value("${bundle.http.max-body-bytes}") long maxBodyBytes) {
        VertxPlatformHttpServerConfiguration settings = new VertxPlatformHttpServerConfiguration();
        settings.setBindHost(host);
        settings.setBindPort(port);
        settings.setMaxBodySize(maxBodyBytes);
        return settings;
    }

    @Bean
    CamelContextConfiguration httpServerStartup(VertxPlatformHttpServerConfiguration settings) {
        return new CamelContextConfiguration() {
            @Override
            public void beforeApplicationStart(CamelContext camelContext) {
                try {
                    camelContext.addService(new VertxPlatformHttpServer(settings), true, true);
                } catch (Exception e) {
                    throw new IllegalStateException("Cannot start the HTTP server", e);
                }
            }

            @Override
            public void afterApplicationStart(CamelContext camelContext) {
                VertxPlatformHttpRouter router = CamelContextHelper.findSingleByType(camelContext, VertxPlatformHttpRouter.class);
                // Webhook and API bodies are JSON whatever Content-Type a client claims (curl -d says form):
                // never let a form decoder touch them.
                for (String path : new String[] {"/webhook/*", "/api/*"}) {
                    router.route(path).order(-1).handler(ctx -> {
                        String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
                        if (contentType != null && (contentType.startsWith("application/x-www-form-urlencoded")
                                || contentType.startsWith("multipart/"))) {
                            ctx.request().headers().set(HttpHeaders.CONTENT_TYPE, "application/octet-stream");
                        }
                        ctx.next();
                    });
                }
                // Failures raised by Vert.x itself (body limit) answer in JSON like everything else.
                router.route().order(-1).failureHandler(ctx -> {
                    if (ctx.statusCode() == 413) {
                        replyJson(ctx, 413, "payload_too_large",
                                "request body exceeds " + settings.getMaxBodySize() + " bytes (MAX_BODY_BYTES)");
                    } else {
                        ctx.next();
                    }
                });
            }
        };
    }

    private static void replyJson(RoutingContext ctx, int status, String code, String message) {
        if (ctx.response().ended()) {
            return;
        }
        ctx.response()
                .setStatusCode(status)
                .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                .end("{\"error\":\"" + code + "\",\"message\":\"" + message + "\"}");
    }
}
