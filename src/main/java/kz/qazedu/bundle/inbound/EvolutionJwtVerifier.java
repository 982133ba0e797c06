package kz.qazedu.bundle.inbound;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.time.Clock;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.edge.RequestRejectedException;

/**
 * Verifies the {@code Authorization: Bearer <JWT>} that Evolution sends when a webhook has a {@code jwt_key}
 * header: HS256 over {@code header.payload} with the shared secret, an {@code iat} not in the future, and an
 * {@code exp} no later than {@code iat} + the longest lifetime allowed (Evolution sets {@code iat + 600 s}), both
 * within the clock-skew leeway. A stolen token is thus good for minutes, never for ever.
 *
 * <p>Written on the JDK's HMAC rather than a JOSE library because Evolution (jsonwebtoken) signs with secrets of
 * any length, which JOSE libraries rightly refuse under 256 bits; the bundle must still accept what Evolution
 * sends. Only HS256 is accepted, so {@code alg: none} and algorithm confusion are ruled out.
 */
public final class EvolutionJwtVerifier {

    private static final Base64.Decoder URL_DECODER = Base64.getUrlDecoder();

    private final SecretKeySpec key;
    private final long leewaySeconds;
    private final long maxLifetimeSeconds;
    private final Clock clock;
    private final ObjectMapper json;

    public EvolutionJwtVerifier(String secret, long leewaySeconds, long maxLifetimeSeconds, Clock clock,
                                ObjectMapper json) {
        this.key = new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256");
        this.leewaySeconds = leewaySeconds;
        this.maxLifetimeSeconds = maxLifetimeSeconds;
        this.clock = clock;
        this.json = json;
    }

    /** @throws RequestRejectedException (401) naming what is wrong with the token */
    public void verify(String token) {
        String[] parts = token.split("\\.", -1);
        if (parts.length != 3) {
            throw RequestRejectedException.unauthorized("bearer token is not a JWT");
        }
        JsonNode header = decodeJson(parts[0], "header");
        if (!"HS256".equals(header.path("alg").asText())) {
            throw RequestRejectedException.unauthorized("JWT algorithm must be HS256");
        }
        byte[] signature;
        try {
            signature = URL_DECODER.decode(parts[2]);
        } catch (IllegalArgumentException e) {
            throw RequestRejectedException.unauthorized("JWT signature is not base64url");
        }
        byte[] expected = sign(parts[0] + "." + parts[1]);
        if (!MessageDigest.isEqual(expected, signature)) {
            throw RequestRejectedException.unauthorized("JWT signature does not match WEBHOOK_JWT_SECRET");
        }
        JsonNode claims = decodeJson(parts[1], "claims");
        long now = clock.instant().getEpochSecond();
        JsonNode exp = claims.get("exp");
        if (exp == null || !exp.canConvertToLong()) {
            throw RequestRejectedException.unauthorized("JWT has no exp claim");
        }
        if (now > exp.asLong() + leewaySeconds) {
            throw RequestRejectedException.unauthorized("JWT expired");
        }
        JsonNode iat = claims.get("iat");
        if (iat == null || !iat.canConvertToLong()) {
            throw RequestRejectedException.unauthorized("JWT has no iat claim");
        }
        if (iat.asLong() > now + leewaySeconds) {
            throw RequestRejectedException.unauthorized("JWT issued in the future (iat)");
        }
        if (exp.asLong() - iat.asLong() > maxLifetimeSeconds) {
            throw RequestRejectedException.unauthorized(
                    "JWT lives longer than " + maxLifetimeSeconds + " s (WEBHOOK_JWT_MAX_LIFETIME)");
        }
        JsonNode nbf = claims.get("nbf");
        if (nbf != null && nbf.canConvertToLong() && now + leewaySeconds < nbf.asLong()) {
            throw RequestRejectedException.unauthorized("JWT not valid yet");
        }
    }

    private byte[] sign(String signingInput) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(key);
            return mac.doFinal(signingInput.getBytes(StandardCharsets.US_ASCII));
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("HmacSHA256 unavailable", e);
        }
    }

    private JsonNode decodeJson(String part, String what) {
        try {
            JsonNode node = json.readTree(URL_DECODER.decode(part));
            if (node == null || !node.isObject()) {
                throw RequestRejectedException.unauthorized("JWT " + what + " is not a JSON object");
            }
            return node;
        } catch (IllegalArgumentException | java.io.IOException e) {
            throw RequestRejectedException.unauthorized("JWT " + what + " is not base64url JSON");
        }
    }
}
