package kz.qazedu.bundle.edge;

import java.util.Locale;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import io.micrometer.core.instrument.MeterRegistry;
import io.netty.handler.codec.TooLongFrameException;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpConnection;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.auth.User;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import kz.qazedu.bundle.api.ApiAuthenticator;
import kz.qazedu.bundle.inbound.WebhookAuthenticator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What every request goes through before a route sees it, on the HTTP server's event loop, so that what an
 * outsider sends costs a bounded amount whatever it is:
 * <ol>
 *   <li>connections are capped and must keep their deadlines ({@link ConnectionWatch});</li>
 *   <li>beyond {@code HTTP_MAX_REQUESTS_IN_FLIGHT} requests, 503 with {@code Retry-After} (the liveness probe is
 *       neither counted nor refused);</li>
 *   <li>credentials are checked from the request's own headers and path (never its query string) <em>before</em>
 *       the body is read: webhooks by {@link WebhookAuthenticator}, {@code /actuator/*} by the metrics or API
 *       token (health and its liveness and readiness probes without one show only the status), every other path by the API token;</li>
 *   <li>a charset other than UTF-8 is 415; a body larger than its path allows is 413 before it is read; the
 *       bytes of bodies held at once are bounded by {@code HTTP_MAX_BODY_BYTES_IN_FLIGHT}, beyond which the
 *       answer is 503 with {@code Retry-After}.</li>
 * </ol>
 * Every refusal is JSON ({@code {"error", "message"}}); a failure inside the bundle is a 500 whose body holds only a
 * correlation id, which the log has with the cause.
 */
public final class RequestGuard {

    private static final Logger LOG = LoggerFactory.getLogger(RequestGuard.class);

    private static final String WEBHOOK_PREFIX = "/webhook/";
    private static final String OPERATIONS_PREFIX = "/actuator/";
    private static final String LIVENESS = "/actuator/health/liveness";
    /** Health without a token answers the status alone (Docker's health checks, load balancers). */
    private static final Set<String> ANONYMOUS_HEALTH =
            Set.of("/actuator/health", LIVENESS, "/actuator/health/readiness");
    private static final String CLOSE = "close";

    private final HttpLimits limits;
    private final WebhookAuthenticator webhooks;
    private final String webhookTokenHeader;
    private final ApiAuthenticator api;
    private final JsonReplies replies;
    private final MeterRegistry meters;
    private final ConnectionWatch connections;
    private final AtomicInteger requestsInFlight = new AtomicInteger();
    private final AtomicLong bodyBytesInFlight = new AtomicLong();
    private final WebhookDurations webhookDurations;
    private BodyHandler webhookBodies;
    private BodyHandler otherBodies;

    public RequestGuard(HttpLimits limits, WebhookAuthenticator webhooks, String webhookTokenHeader,
                        ApiAuthenticator api, JsonReplies replies, MeterRegistry meters) {
        this.limits = limits;
        this.webhooks = webhooks;
        this.webhookTokenHeader = webhookTokenHeader;
        this.api = api;
        this.replies = replies;
        this.meters = meters;
        this.connections = new ConnectionWatch(limits, meters);
        meters.gauge("bundle.http.requests.in.flight", requestsInFlight);
        meters.gauge("bundle.http.body.bytes.in.flight", bodyBytesInFlight);
        this.webhookDurations = new WebhookDurations(meters);
    }

    /** Puts the guard in front of every route of {@code router}, and JSON answers behind them. */
    public void install(Vertx vertx, Router router) {
        this.webhookBodies = bodies(limits.maxBodyBytes());
        this.otherBodies = bodies(limits.apiMaxBodyBytes());
        connections.start(vertx);
        router.route().order(-100).handler(this::admit);
        ConsoleFiles.install(router);
        router.route().order(-90).handler(this::authorize);
        for (int status : new int[] {400, 401, 403, 404, 405, 413, 414, 415, 431, 500, 501, 503}) {
            router.errorHandler(status, this::failed);
        }
    }

    /** The body reader of the routes ({@code VertxPlatformHttpRouter.bodyHandler()}): bounded per path. */
    public Handler<RoutingContext> bodyHandler() {
        return ctx -> {
            ctx.request().resume();
            (isWebhook(ctx) ? webhookBodies : otherBodies).handle(ctx);
        };
    }

    /** A new connection: see {@link ConnectionWatch}. */
    public void onConnection(HttpConnection connection) {
        connections.onConnection(connection);
    }

    /** A request the HTTP decoder could not read (request line or headers too long, not HTTP). */
    public void onInvalidRequest(HttpServerRequest request) {
        Throwable cause = request.decoderResult().cause();
        int status = 400;
        String code = "invalid_request";
        String message = "the request is not valid HTTP";
        if (cause instanceof TooLongFrameException) {
            boolean line = cause.getClass().getSimpleName().contains("Line");
            status = line ? 414 : 431;
            code = line ? "uri_too_long" : "headers_too_large";
            message = line ? "the request line is too long" : "request headers exceed " + limits.maxHeaderBytes()
                    + " bytes (HTTP_MAX_HEADER_BYTES)";
        }
        refused(code);
        HttpServerResponse response = request.response();
        response.setStatusCode(status).putHeader(HttpHeaders.CONNECTION, CLOSE)
                .putHeader(HttpHeaders.CONTENT_TYPE, JsonReplies.CONTENT_TYPE)
                .end(replies.error(code, message));
    }

    private void admit(RoutingContext ctx) {
        connections.requestStarted(ctx);
        if (LIVENESS.equals(ctx.normalizedPath())) {
            // no I/O behind it, and a busy server is no reason to restart the process: never counted nor refused
            ctx.next();
            return;
        }
        if (requestsInFlight.incrementAndGet() > limits.maxRequestsInFlight()) {
            requestsInFlight.decrementAndGet();
            refuse(ctx, 503, "busy", "too many requests in flight; send it again later");
            return;
        }
        long admitted = System.nanoTime();
        boolean webhook = isWebhook(ctx);
        ctx.addEndHandler(v -> {
            requestsInFlight.decrementAndGet();
            if (webhook) {
                webhookDurations.since(admitted);
            }
        });
        ctx.next();
    }

    private void authorize(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        String path = ctx.normalizedPath();
        try {
            if (path.startsWith(OPERATIONS_PREFIX)) {
                String authorization = request.getHeader(HttpHeaders.AUTHORIZATION);
                if (authorization != null || !ANONYMOUS_HEALTH.contains(path)) {
                    api.authenticateOperator(authorization);
                    ctx.setUser(User.fromName("operator"));
                }
            } else if (isWebhook(ctx)) {
                webhooks.authenticate(path, request.getHeader(webhookTokenHeader),
                        request.getHeader(HttpHeaders.AUTHORIZATION));
            } else {
                api.authenticate(request.getHeader(HttpHeaders.AUTHORIZATION));
            }
        } catch (RequestRejectedException rejected) {
            refuse(ctx, rejected.status(), rejected.code(), rejected.getMessage());
            return;
        }
        if (!acceptableCharset(ctx) || !reserveBody(ctx, isWebhook(ctx) ? limits.maxBodyBytes() : limits.apiMaxBodyBytes())) {
            return;
        }
        // bodies are JSON whatever Content-Type a client claims (curl -d says form): never let a form decoder touch them
        String contentType = request.getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType != null && (contentType.startsWith("application/x-www-form-urlencoded")
                || contentType.startsWith("multipart/"))) {
            request.headers().set(HttpHeaders.CONTENT_TYPE, "application/octet-stream");
        }
        ctx.next();
    }

    /** Reads the charset from the Content-Type header itself: nothing may parse the headers before the rewrite. */
    private boolean acceptableCharset(RoutingContext ctx) {
        String contentType = ctx.request().getHeader(HttpHeaders.CONTENT_TYPE);
        if (contentType == null) {
            return true;
        }
        String charset = null;
        for (String parameter : contentType.split(";")) {
            int equals = parameter.indexOf('=');
            if (equals > 0 && parameter.substring(0, equals).trim().equalsIgnoreCase("charset")) {
                charset = parameter.substring(equals + 1).trim();
            }
        }
        if (charset == null) {
            return true;
        }
        String name = charset.replace("\"", "").toLowerCase(Locale.ROOT);
        if (name.equals("utf-8") || name.equals("utf8") || name.equals("us-ascii")) {
            return true;
        }
        refuse(ctx, 415, "unsupported_charset", "bodies are JSON in UTF-8; charset '" + abbreviate(charset) + "' is not accepted");
        return false;
    }

    /** Reserves the body's bytes from the budget until the answer is sent; refuses when it cannot. */
    private boolean reserveBody(RoutingContext ctx, long maxBody) {
        HttpServerRequest request = ctx.request();
        String declared = request.getHeader(HttpHeaders.CONTENT_LENGTH);
        long bytes;
        if (declared != null) {
            try {
                bytes = Long.parseLong(declared.trim());
            } catch (NumberFormatException e) {
                refuse(ctx, 400, "invalid_request", "Content-Length is not a number");
                return false;
            }
            if (bytes > maxBody) {
                refuse(ctx, 413, "payload_too_large", "request body exceeds " + maxBody + " bytes ("
                        + (isWebhook(ctx) ? "MAX_BODY_BYTES" : "API_MAX_BODY_BYTES") + ")");
                return false;
            }
        } else {
            String encoding = request.getHeader(HttpHeaders.TRANSFER_ENCODING);
            bytes = encoding != null && encoding.toLowerCase(Locale.ROOT).contains("chunked") ? maxBody : 0;
        }
        if (bytes <= 0) {
            return true;
        }
        if (bodyBytesInFlight.addAndGet(bytes) > limits.maxBodyBytesInFlight()) {
            bodyBytesInFlight.addAndGet(-bytes);
            refuse(ctx, 503, "busy", "too many request bytes in flight; send it again later");
            return false;
        }
        long reserved = bytes;
        ctx.addEndHandler(v -> bodyBytesInFlight.addAndGet(-reserved));
        return true;
    }

    /** Answers what the routes did not: no route, wrong method, a body over the limit, a failure inside. */
    private void failed(RoutingContext ctx) {
        int status = ctx.statusCode() < 400 ? 500 : ctx.statusCode();
        switch (status) {
            case 404 -> refuse(ctx, 404, "not_found", "no such resource");
            case 405 -> refuse(ctx, 405, "method_not_allowed", "method " + ctx.request().method() + " is not allowed here");
            case 413 -> refuse(ctx, 413, "payload_too_large", "request body exceeds the limit of its path"
                    + " (MAX_BODY_BYTES for webhooks, API_MAX_BODY_BYTES otherwise)");
            case 400, 401, 403, 414, 415, 431, 501, 503 ->
                    refuse(ctx, status, "invalid_request", "the request cannot be served (" + status + ")");
            default -> {
                String correlationId = UUID.randomUUID().toString();
                LOG.error("{} {} failed [correlation id {}]", ctx.request().method(), ctx.normalizedPath(),
                        correlationId, ctx.failure());
                reply(ctx, 500, replies.internalError(correlationId), false);
            }
        }
    }

    private void refuse(RoutingContext ctx, int status, String code, String message) {
        refused(code);
        reply(ctx, status, replies.error(code, message), true);
    }

    private void reply(RoutingContext ctx, int status, String json, boolean refusal) {
        HttpServerResponse response = ctx.response();
        if (response.ended() || response.headWritten()) {
            return;
        }
        response.setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JsonReplies.CONTENT_TYPE);
        if (status == 503) {
            response.putHeader(HttpHeaders.RETRY_AFTER, String.valueOf(Math.max(1, limits.retryAfter().toSeconds())));
        }
        if (refusal && !ctx.request().isEnded()) {
            // the body was not read: the connection cannot carry another request
            response.putHeader(HttpHeaders.CONNECTION, CLOSE);
        }
        response.end(json);
    }

    private void refused(String reason) {
        ConnectionWatch.refused(meters, reason);
    }

    private static boolean isWebhook(RoutingContext ctx) {
        return ctx.normalizedPath().startsWith(WEBHOOK_PREFIX);
    }

    private static BodyHandler bodies(long limit) {
        return BodyHandler.create(false)
                .setBodyLimit(limit)
                .setPreallocateBodyBuffer(false)
                .setMergeFormAttributes(false);
    }

    private static String abbreviate(String text) {
        return text.length() <= 40 ? text : text.substring(0, 40) + "…";
    }
}
