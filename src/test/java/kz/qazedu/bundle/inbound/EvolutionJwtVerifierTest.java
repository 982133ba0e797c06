package kz.qazedu.bundle.inbound;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Tokens as Evolution's jsonwebtoken signs them, including with secrets shorter than JOSE libraries accept. */
class EvolutionJwtVerifierTest {

    private static final Instant NOW = Instant.parse("2026-11-30T10:00:00Z");
    private static final String SHORT_SECRET = "evo-jwt";

    private final EvolutionJwtVerifier verifier = new EvolutionJwtVerifier(
            SHORT_SECRET, 30, 600, Clock.fixed(NOW, ZoneOffset.UTC), new ObjectMapper());

    @Test
    void acceptsAValidTokenSignedWithAShortSecret() {
        String token = token("{\"alg\":\"HS256\",\"typ\":\"JWT\"}", claims(NOW.plusSeconds(600)), SHORT_SECRET);
        assertThatCode(() -> verifier.verify(token)).doesNotThrowAnyException();
    }

    @Test
    void toleratesSmallClockSkewButNotAnExpiredToken() {
        String justExpired = token("{\"alg\":\"HS256\"}", claims(NOW.minusSeconds(10)), SHORT_SECRET);
        String expired = token("{\"alg\":\"HS256\"}", claims(NOW.minusSeconds(60)), SHORT_SECRET);
        assertThatCode(() -> verifier.verify(justExpired)).doesNotThrowAnyException();
        assertThatThrownBy(() -> verifier.verify(expired)).hasMessage("JWT expired");
    }

    @Test
    void rejectsTamperingOtherAlgorithmsAndGarbage() {
        String valid = token("{\"alg\":\"HS256\"}", claims(NOW.plusSeconds(600)), SHORT_SECRET);
        String[] parts = valid.split("\\.");
        String tampered = parts[0] + "." + encode(claims(NOW.plusSeconds(99999))) + "." + parts[2];

        assertThatThrownBy(() -> verifier.verify(tampered)).hasMessageContaining("signature does not match");
        assertThatThrownBy(() -> verifier.verify(token("{\"alg\":\"HS512\"}", claims(NOW.plusSeconds(600)), SHORT_SECRET)))
                .hasMessage("JWT algorithm must be HS256");
        assertThatThrownBy(() -> verifier.verify(token("{\"alg\":\"HS256\"}", "{\"iat\":1}", SHORT_SECRET)))
                .hasMessage("JWT has no exp claim");
        assertThatThrownBy(() -> verifier.verify("not-a-jwt")).hasMessage("bearer token is not a JWT");
        assertThatThrownBy(() -> verifier.verify("a.b.c")).isInstanceOf(WebhookRejectedException.class);
    }

    @Test
    void rejectsATokenIssuedInTheFutureBeyondTheLeeway() {
        long skewed = NOW.plusSeconds(20).getEpochSecond();
        long future = NOW.plusSeconds(120).getEpochSecond();
        String slightlyAhead = token("{\"alg\":\"HS256\"}", "{\"iat\":" + skewed + ",\"exp\":" + (skewed + 600) + "}",
                SHORT_SECRET);
        String ahead = token("{\"alg\":\"HS256\"}", "{\"iat\":" + future + ",\"exp\":" + (future + 600) + "}",
                SHORT_SECRET);
        assertThatCode(() -> verifier.verify(slightlyAhead)).doesNotThrowAnyException();
        assertThatThrownBy(() -> verifier.verify(ahead)).hasMessage("JWT issued in the future (iat)");
    }

    @Test
    void rejectsATokenThatLivesLongerThanTheMaximumOrSaysNotWhenItWasIssued() {
        long iat = NOW.minusSeconds(5).getEpochSecond();
        String forAYear = token("{\"alg\":\"HS256\"}", "{\"iat\":" + iat + ",\"exp\":" + (iat + 31_536_000) + "}",
                SHORT_SECRET);
        String noIat = token("{\"alg\":\"HS256\"}", "{\"exp\":" + (iat + 600) + "}", SHORT_SECRET);
        assertThatThrownBy(() -> verifier.verify(forAYear)).hasMessageContaining("lives longer than 600 s");
        assertThatThrownBy(() -> verifier.verify(noIat)).hasMessage("JWT has no iat claim");
    }

    private static String claims(Instant expiry) {
        long exp = expiry.getEpochSecond();
        return "{\"app\":\"evolution\",\"action\":\"webhook\",\"iat\":" + (exp - 600) + ",\"exp\":" + exp + "}";
    }

    private static String token(String header, String claims, String secret) {
        String input = encode(header) + "." + encode(claims);
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            return input + "." + Base64.getUrlEncoder().withoutPadding()
                    .encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String encode(String json) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(json.getBytes(StandardCharsets.UTF_8));
    }
}
