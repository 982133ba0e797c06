package kz.qazedu.bundle.inbound;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;

import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.edge.RequestRejectedException;
import kz.qazedu.bundle.support.Jwts;
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
        assertThatThrownBy(() -> verifier.verify("a.b.c")).isInstanceOf(RequestRejectedException.class);
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
        return Jwts.claims(exp - 600, exp);
    }

    private static String token(String header, String claims, String secret) {
        return Jwts.hs256(header, claims, secret);
    }

    private static String encode(String json) {
        return Jwts.base64Url(json);
    }
}
