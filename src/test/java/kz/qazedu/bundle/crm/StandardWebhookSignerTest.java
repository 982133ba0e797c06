package kz.qazedu.bundle.crm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;

import org.junit.jupiter.api.Test;

class StandardWebhookSignerTest {

    @Test
    void matchesThePublishedStandardWebhooksExample() {
        // the example of the Standard Webhooks specification and of Svix's documentation
        StandardWebhookSigner signer = new StandardWebhookSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThat(signer.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}"))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
        assertThat(signer.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330,
                "{\"test\": 2432232314}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    @Test
    void signsTheUtf8BytesOfTheBody() {
        StandardWebhookSigner signer = new StandardWebhookSigner("plain-secret");
        String body = "{\"text\":\"Сәлем, әлем 👋\"}";
        assertThat(signer.sign("evt_1", 1700000000, body.getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(signer.sign("evt_1", 1700000000, body))
                .isNotEqualTo(signer.sign("evt_1", 1700000000, body.getBytes(StandardCharsets.UTF_16)));
    }

    @Test
    void anyChangeOfIdTimestampOrBodyChangesTheSignature() {
        StandardWebhookSigner signer = new StandardWebhookSigner("plain-secret");
        String signature = signer.sign("evt_1", 1700000000, "{}");
        assertThat(signer.sign("evt_2", 1700000000, "{}")).isNotEqualTo(signature);
        assertThat(signer.sign("evt_1", 1700000001, "{}")).isNotEqualTo(signature);
        assertThat(signer.sign("evt_1", 1700000000, "{ }")).isNotEqualTo(signature);
        assertThat(new StandardWebhookSigner("other-secret").sign("evt_1", 1700000000, "{}")).isNotEqualTo(signature);
    }

    @Test
    void refusesToSignWithoutASecret() {
        assertThatThrownBy(() -> new StandardWebhookSigner(" ")).hasMessageContaining("CRM_WEBHOOK_SECRET");
    }
}
