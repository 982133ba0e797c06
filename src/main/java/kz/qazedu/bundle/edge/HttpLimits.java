package kz.qazedu.bundle.edge;

import java.time.Duration;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
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
        Duration retryAfter) implements CheckedSettings {

    @Override
    public void check(SettingProblems problems) {
        problems.between("port", port, 0, 65535);
        problems.notBlank("host", host);
        problems.atLeast("max-body-bytes", maxBodyBytes, 1);
        problems.atLeast("api-max-body-bytes", apiMaxBodyBytes, 1);
        problems.atLeast("worker-threads", workerThreads, 1);
        problems.atLeast("max-connections", maxConnections, 1);
        problems.atLeast("max-requests-in-flight", maxRequestsInFlight, 1);
        if (maxBodyBytesInFlight < Math.max(maxBodyBytes, apiMaxBodyBytes)) {
            problems.add("max-body-bytes-in-flight", "must be at least bundle.http.max-body-bytes and"
                    + " bundle.http.api-max-body-bytes (MAX_BODY_BYTES, API_MAX_BODY_BYTES)");
        }
        problems.positive("header-timeout", headerTimeout);
        problems.positive("body-timeout", bodyTimeout);
        problems.atLeast("max-header-bytes", maxHeaderBytes, 1024);
        problems.between("max-json-depth", maxJsonDepth, 8, 1000);
        problems.notNegative("retry-after", retryAfter);
    }
}
