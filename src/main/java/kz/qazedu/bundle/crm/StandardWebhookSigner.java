package kz.qazedu.bundle.crm;

import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signs a delivery the Standard Webhooks way (standardwebhooks.com), so that a CRM verifies it with any Standard
 * Webhooks library: {@code webhook-signature: v1,<base64 HMAC-SHA256 of "<webhook-id>.<webhook-timestamp>.<body>">}.
 * A secret written {@code whsec_<base64>} is the base64-decoded key, as the specification has it; any other
 * string is used as its own UTF-8 bytes.
 */
public final class StandardWebhookSigner {

    private static final String PREFIX = "whsec_";

    private final ThreadLocal<Mac> macs;

    public StandardWebhookSigner(String secret) {
        if (secret == null || secret.isBlank()) {
            throw new IllegalArgumentException("CRM_WEBHOOK_SECRET is not set");
        }
        byte[] bytes = secret.startsWith(PREFIX)
                ? Base64.getDecoder().decode(secret.substring(PREFIX.length()))
                : secret.getBytes(StandardCharsets.UTF_8);
        SecretKeySpec key = new SecretKeySpec(bytes, "HmacSHA256");
        // a Mac per thread, keyed once: looking one up and keying it costs more than the signature itself
        this.macs = ThreadLocal.withInitial(() -> {
            try {
                Mac mac = Mac.getInstance("HmacSHA256");
                mac.init(key);
                return mac;
            } catch (GeneralSecurityException e) {
                throw new IllegalStateException("HmacSHA256 unavailable", e);
            }
        });
    }

    /** @return the value of the {@code webhook-signature} header */
    public String sign(String webhookId, long timestampSeconds, String body) {
        return sign(webhookId, timestampSeconds, body.getBytes(StandardCharsets.UTF_8));
    }

    /** @return the value of the {@code webhook-signature} header for a body already encoded as UTF-8 */
    public String sign(String webhookId, long timestampSeconds, byte[] body) {
        Mac mac = macs.get();
        mac.update((webhookId + "." + timestampSeconds + ".").getBytes(StandardCharsets.UTF_8));
        byte[] digest = mac.doFinal(body);
        return "v1," + Base64.getEncoder().encodeToString(digest);
    }

}
