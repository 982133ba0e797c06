package kz.qazedu.bundle.edge;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import io.micrometer.core.instrument.MeterRegistry;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;

/**
 * The HTTP server's connections: beyond {@code HTTP_MAX_CONNECTIONS} a new one is closed at once; each must send
 * a complete request head within {@code HTTP_HEADER_TIMEOUT} of opening or of its previous answer, and the body
 * within {@code HTTP_BODY_TIMEOUT} of the head, else it is closed. Slow-header and slow-body attacks thus keep no
 * socket for long and never hold a worker thread. A timestamp per connection, checked by a sweep four times a
 * second, instead of a timer per request.
 */
final class ConnectionWatch {

    /** How often connections are checked against their deadlines: the timeouts' precision. */
    private static final long SWEEP_MILLIS = 250;

    private final HttpLimits limits;
    private final MeterRegistry meters;
    private final AtomicInteger open = new AtomicInteger();
    private final Map<HttpConnection, Deadline> deadlines = new ConcurrentHashMap<>();

    ConnectionWatch(HttpLimits limits, MeterRegistry meters) {
        this.limits = limits;
        this.meters = meters;
        meters.gauge("bundle.http.connections", open);
    }

    static void refused(MeterRegistry meters, String reason) {
        meters.counter("bundle.http.refused", "reason", reason).increment();
    }

    void start(Vertx vertx) {
        vertx.setPeriodic(SWEEP_MILLIS, id -> {
            long now = System.nanoTime();
            deadlines.values().forEach(deadline -> deadline.check(now));
        });
    }

    /** A new connection: closed at once beyond the cap, else watched until it closes. */
    void onConnection(HttpConnection connection) {
        if (open.incrementAndGet() > limits.maxConnections()) {
            open.decrementAndGet();
            refused(meters, "connections");
            connection.close();
            return;
        }
        Deadline deadline = new Deadline(connection);
        deadlines.put(connection, deadline);
        connection.closeHandler(v -> {
            open.decrementAndGet();
            deadlines.remove(connection);
            deadline.cancel();
        });
        deadline.awaitRequest();
    }

    /** A request head has arrived: its body is now due. */
    void requestStarted(RoutingContext ctx) {
        Deadline deadline = deadlines.get(ctx.request().connection());
        if (deadline != null) {
            deadline.requestStarted(ctx);
        }
    }

    /**
     * When a connection must have sent something: the next request head ({@code HTTP_HEADER_TIMEOUT}) while no
     * request is open, the body of the open request ({@code HTTP_BODY_TIMEOUT}). Written on the connection's event
     * loop, read by the sweep: a timestamp per connection instead of a timer per request.
     */
    private final class Deadline {

        private final HttpConnection connection;
        private volatile long at;
        private volatile HttpServerRequest pending;
        private volatile String reason;
        private int openRequests;

        Deadline(HttpConnection connection) {
            this.connection = connection;
        }

        void awaitRequest() {
            pending = null;
            reason = "header_timeout";
            at = System.nanoTime() + limits.headerTimeout().toNanos();
        }

        void requestStarted(RoutingContext ctx) {
            openRequests++;
            pending = ctx.request();
            reason = "body_timeout";
            at = System.nanoTime() + limits.bodyTimeout().toNanos();
            ctx.addEndHandler(v -> {
                openRequests--;
                if (openRequests == 0) {
                    awaitRequest();
                }
            });
        }

        /** Closes the connection when its time is up and it has not sent what it owed. */
        void check(long now) {
            long deadline = at;
            if (deadline == 0 || now - deadline < 0) {
                return;
            }
            HttpServerRequest request = pending;
            if (request == null || !request.isEnded()) {
                at = 0;
                refused(meters, reason);
                connection.close();
            } else {
                // the body is in: the answer is the route's business, and the next head's deadline starts after it
                at = 0;
            }
        }

        void cancel() {
            at = 0;
        }
    }
}
