package kz.qazedu.bundle.api;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;

import kz.qazedu.bundle.inbound.WebhookRejectedException;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;
import org.springframework.util.StringUtils;

/**
 * The bundle's own API (for the CRM and support) takes {@code Authorization: Bearer <API_TOKEN>}, compared in
 * constant time. Without an API_TOKEN the API refuses every call.
 */
@Component("apiAuthenticator")
public class ApiAuthenticator {

    private static final String BEARER = "Bearer ";

    private final byte[] token;

    public ApiAuthenticator(@Value("${bundle.api.token:}") String token) {
        this.token = StringUtils.hasText(token) ? token.getBytes(StandardCharsets.UTF_8) : null;
    }

    public void authenticate(String authorization) {
        if (token == null) {
            throw WebhookRejectedException.unauthorized("the API is disabled: API_TOKEN is not set");
        }
        if (authorization == null || !authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw WebhookRejectedException.unauthorized("send Authorization: Bearer <API_TOKEN>");
        }
        byte[] presented = authorization.substring(BEARER.length()).trim().getBytes(StandardCharsets.UTF_8);
        if (!MessageDigest.isEqual(token, presented)) {
            throw WebhookRejectedException.unauthorized("wrong API token");
        }
    }
}
