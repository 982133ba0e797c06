package kz.qazedu.bundle.edge;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The HTTP server and what it lets in ({@code bundle.http.*}; environment variables and defaults in
 * {@code application.properties}). Every limit is there so that a slow, oversized or hostile request costs the
 * bundle a bounded amount and never delays Evolution's webhooks.
 *
 * @param maxBodyBytes          largest webhook body (Evolution's base64 media mode sends many MB)
 * @param apiMaxBodyBytes       largest body of every other request (the API takes small JSON)
 * @param workerThreads         threads that run routes (a webhook holds one until its event is durable)
 * @param maxConnections        open connections; more are closed at once
 * @param maxRequestsInFlight   requests being read or worked on; more are answered 503 with Retry-After
 * @param maxBodyBytesInFlight  request body bytes held at once (a request without Content-Length counts as its
 *                              path's largest body); more are answered 503 with Retry-After
 * @param headerTimeout         a connection must send a complete request head within this time of opening or of
 *                              its previous answer, else it is closed (slow headers, idle keep-alive)
 * @param bodyTimeout           a request's body must have arrived within this time of its head, else the
 *                              connection is closed (slow bodies)
 * @param maxHeaderBytes        request line and headers together
 * @param maxJsonDepth          nesting of a JSON body
 * @param retryAfter            what a 503 for a full server tells the client to wait
 */
@ConfigurationProperties("bundle.http")
public record HttpLimits(
        int port,
        String host,
        long maxBodyBytes,
        long apiMaxBodyBytes,
        int workerThreads,
        int maxConnections,
        int maxRequestsInFlight,
        long maxBodyBytesInFlight,
        Duration headerTimeout,
        Duration bodyTimeout,
        int maxHeaderBytes,
        int maxJsonDepth,
        Duration retryAfter) {

    public HttpLimits {
        List<String> problems = new ArrayList<>();
        positive(problems, "MAX_BODY_BYTES", maxBodyBytes);
        positive(problems, "API_MAX_BODY_BYTES", apiMaxBodyBytes);
        positive(problems, "HTTP_WORKER_THREADS", workerThreads);
        positive(problems, "HTTP_MAX_CONNECTIONS", maxConnections);
        positive(problems, "HTTP_MAX_REQUESTS_IN_FLIGHT", maxRequestsInFlight);
        if (maxBodyBytesInFlight < Math.max(maxBodyBytes, apiMaxBodyBytes)) {
            problems.add("HTTP_MAX_BODY_BYTES_IN_FLIGHT must be at least MAX_BODY_BYTES and API_MAX_BODY_BYTES");
        }
        positive(problems, "HTTP_HEADER_TIMEOUT", headerTimeout == null ? 0 : headerTimeout.toMillis());
        positive(problems, "HTTP_BODY_TIMEOUT", bodyTimeout == null ? 0 : bodyTimeout.toMillis());
        if (maxHeaderBytes < 1024) {
            problems.add("HTTP_MAX_HEADER_BYTES must be at least 1024");
        }
        if (maxJsonDepth < 8 || maxJsonDepth > 1000) {
            problems.add("JSON_MAX_DEPTH must be from 8 to 1000");
        }
        if (retryAfter == null || retryAfter.isNegative()) {
            problems.add("HTTP_RETRY_AFTER must be a duration such as 5s");
        }
        if (!problems.isEmpty()) {
            throw new IllegalArgumentException("Invalid HTTP settings: " + String.join("; ", problems));
        }
    }

    private static void positive(List<String> problems, String variable, long value) {
        if (value <= 0) {
            problems.add(variable + " must be greater than zero");
        }
    }
}
