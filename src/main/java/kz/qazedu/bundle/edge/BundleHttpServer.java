package kz.qazedu.bundle.edge;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelContextAware;
import org.apache.camel.StaticService;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The bundle's one HTTP server: Vert.x, non-blocking, serving every {@code platform-http} route through Camel's
 * Vert.x engine, with the {@link RequestGuard} in front of them. Written instead of Camel's
 * {@code VertxPlatformHttpServer} because that one offers no way to set the server's own limits (header size,
 * HTTP/2 cleartext, a connection handler, a handler for requests the decoder rejects), which a server facing the
 * internet needs. It starts with the Camel context, before the routes that use it.
 */
public final class BundleHttpServer extends ServiceSupport implements CamelContextAware, StaticService {

    private static final Logger LOG = LoggerFactory.getLogger(BundleHttpServer.class);
    private static final long START_TIMEOUT_SECONDS = 30;

    private final HttpLimits limits;
    private final RequestGuard guard;
    private CamelContext camelContext;
    private Vertx vertx;
    private HttpServer server;

    public BundleHttpServer(HttpLimits limits, RequestGuard guard) {
        this.limits = limits;
        this.guard = guard;
    }

    @Override
    public CamelContext getCamelContext() {
        return camelContext;
    }

    @Override
    public void setCamelContext(CamelContext camelContext) {
        this.camelContext = camelContext;
    }

    /** The port the server listens on (the actual one when configured as 0). */
    public int port() {
        return server == null ? limits.port() : server.actualPort();
    }

    @Override
    protected void doStart() throws Exception {
        vertx = Vertx.vertx(new VertxOptions().setWorkerPoolSize(limits.workerThreads()));
        Router router = Router.router(vertx);
        guard.install(vertx, router);
        String routerName = VertxPlatformHttpRouter.getRouterNameFromPort(limits.port());
        camelContext.getRegistry().bind(routerName, new VertxPlatformHttpRouter(null, vertx, router, routerName) {
            @Override
            public Handler<RoutingContext> bodyHandler() {
                return guard.bodyHandler();
            }
        });
        HttpServerOptions options = new HttpServerOptions()
                .setMaxHeaderSize(limits.maxHeaderBytes())
                .setHttp2ClearTextEnabled(false)
                .setDecompressionSupported(false)
                .setCompressionSupported(false);
        server = vertx.createHttpServer(options)
                .connectionHandler(guard::onConnection)
                .invalidRequestHandler(guard::onInvalidRequest)
                .requestHandler(router);
        CompletableFuture<HttpServer> listening = new CompletableFuture<>();
        server.listen(limits.port(), limits.host(), result -> {
            if (result.succeeded()) {
                listening.complete(result.result());
            } else {
                listening.completeExceptionally(result.cause());
            }
        });
        try {
            listening.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("HTTP server cannot listen on " + limits.host() + ":" + limits.port()
                    + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("HTTP server did not start within " + START_TIMEOUT_SECONDS + " s", e);
        }
        LOG.info("HTTP server listening on {}:{}", limits.host(), server.actualPort());
    }

    @Override
    protected void doStop() throws Exception {
        if (vertx != null) {
            CompletableFuture<Void> closed = new CompletableFuture<>();
            vertx.close(result -> closed.complete(null));
            closed.get(START_TIMEOUT_SECONDS, TimeUnit.SECONDS);
            vertx = null;
            server = null;
        }
    }
}
