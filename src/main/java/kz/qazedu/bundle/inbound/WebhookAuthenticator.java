package kz.qazedu.bundle.inbound;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Clock;

import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.edge.RequestRejectedException;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * Accepts a webhook that proves it comes from the customer's Evolution in any of the ways Evolution can:
 * <ol>
 *   <li>the shared token in the configured custom header ({@code WEBHOOK_TOKEN_HEADER});</li>
 *   <li>{@code Authorization: Bearer <JWT>} from Evolution's {@code jwt_key} header, HS256 with
 *       {@code WEBHOOK_JWT_SECRET};</li>
 *   <li>the shared token as a path segment, {@code /webhook/evolution/key/<token>}, for global webhooks.</li>
 * </ol>
 * Tokens are compared in constant time and never logged or echoed. Credentials are read from the request's own
 * headers and path, never from its query string; the HTTP edge calls this before the body is read.
 */
@Component("webhookAuthenticator")
public class WebhookAuthenticator {

    private static final String BEARER = "Bearer ";

    private final byte[] token;
    private final EvolutionJwtVerifier jwtVerifier;

    public WebhookAuthenticator(
            WebhookSettings settings,
            Clock clock,
            ObjectMapper json) {
        // WebhookSettings makes sure of a token or a JWT secret: the endpoint never runs unauthenticated
        String token = settings.token();
        String jwtSecret = settings.jwtSecret();
        this.token = StringUtils.hasText(token) ? token.getBytes(StandardCharsets.UTF_8) : null;
        this.jwtVerifier = StringUtils.hasText(jwtSecret)
                ? new EvolutionJwtVerifier(jwtSecret, settings.jwtLeewaySeconds(), settings.jwtMaxLifetime().toSeconds(),
                        clock, json)
                : null;
    }

    /**
     * @param path          the request path (may hold {@code /key/<token>})
     * @param headerToken   the value of the configured token header, or null
     * @param authorization the Authorization header, or null
     * @throws RequestRejectedException 401 with the reason, 404 for a path that is no webhook path
     */
    public void authenticate(String path, String headerToken, String authorization) {
        String pathToken = WebhookPath.parse(path).token();
        if (pathToken != null) {
            requireToken(pathToken, "token in the path");
            return;
        }
        if (StringUtils.hasText(headerToken)) {
            requireToken(headerToken, "token header");
            return;
        }
        if (authorization != null && authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            if (jwtVerifier == null) {
                throw RequestRejectedException.unauthorized("bearer tokens are not enabled (WEBHOOK_JWT_SECRET is not set)");
            }
            jwtVerifier.verify(authorization.substring(BEARER.length()).trim());
            return;
        }
        throw RequestRejectedException.unauthorized(
                "missing credentials: send the token header, a Bearer JWT, or use /webhook/evolution/key/<token>");
    }

    private void requireToken(String presented, String where) {
        if (token == null) {
            throw RequestRejectedException.unauthorized("shared tokens are not enabled (WEBHOOK_TOKEN is not set)");
        }
        if (!MessageDigest.isEqual(token, presented.getBytes(StandardCharsets.UTF_8))) {
            throw RequestRejectedException.unauthorized("wrong " + where);
        }
    }
}
