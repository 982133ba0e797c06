package kz.qazedu.bundle.support;

import java.nio.charset.StandardCharsets;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** JWTs as Evolution's jsonwebtoken writes them (HS256), and broken ones, from raw header and claims JSON. */
public final class Jwts {

    private Jwts() {
    }

    /** {@code header.claims.signature}, signed with HMAC-SHA256 whatever the header's {@code alg} says. */
    public static String hs256(String header, String claims, String secret) {
        String input = base64Url(header) + "." + base64Url(claims);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return input + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** Evolution's claims: issued at {@code iat}, expiring at {@code exp} (seconds). */
    public static String claims(long iat, long exp) {
        return "{\"app\":\"evolution\",\"action\":\"webhook\",\"iat\":" + iat + ",\"exp\":" + exp + "}";
    }

    public static String base64Url(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
