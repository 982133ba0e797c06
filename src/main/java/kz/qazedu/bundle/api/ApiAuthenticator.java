package kz.qazedu.bundle.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import kz.qazedu.bundle.edge.RequestRejectedException;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * The bundle's own API (for the CRM and support) takes {@code Authorization: Bearer <API_TOKEN>}, compared in
 * constant time; without an API_TOKEN the API refuses every call. Operations (health details and metrics) also
 * take {@code METRICS_TOKEN}, a read-only token to give a Prometheus instead of the API token. Credentials come
 * from the request's own Authorization header, never from its query string; the HTTP edge calls this before the
 * body is read.
 */
@Component("apiAuthenticator")
public class ApiAuthenticator {

    private static final String BEARER = "Bearer ";

    private final byte[] token;
    private final byte[] metricsToken;

    public ApiAuthenticator(
            ApiSettings settings) {
        this.token = bytes(settings.token());
        this.metricsToken = bytes(settings.metricsToken());
    }

    /** @throws RequestRejectedException 401 unless {@code authorization} carries the API token */
    public void authenticate(String authorization) {
        if (token == null) {
            throw RequestRejectedException.unauthorized("the API is disabled: API_TOKEN is not set");
        }
        if (!matches(token, bearer(authorization))) {
            throw RequestRejectedException.unauthorized("wrong API token");
        }
    }

    /** @throws RequestRejectedException 401 unless {@code authorization} carries the API or the metrics token */
    public void authenticateOperator(String authorization) {
        byte[] presented = bearer(authorization);
        if (!matches(token, presented) && !matches(metricsToken, presented)) {
            throw RequestRejectedException.unauthorized("wrong token: send Authorization: Bearer <METRICS_TOKEN or API_TOKEN>");
        }
    }

    private static byte[] bearer(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw RequestRejectedException.unauthorized("send Authorization: Bearer <API_TOKEN>");
        }
        return authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
    }

    private static boolean matches(byte[] expected, byte[] presented) {
        return expected != null && MessageDigest.isEqual(expected, presented);
    }

    private static byte[] bytes(String token) {
        return StringUtils.hasText(token) ? token.getBytes(StandardCharsets.UTF_8) : null;
    }
}
