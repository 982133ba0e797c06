package kz.qazedu.bundle.crm;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class StandardWebhookSignerTest {

    @Test
    void matchesThePublishedStandardWebhooksExample() {
        // the example of the Standard Webhooks specification and of Svix's documentation
        StandardWebhookSigner signer = new StandardWebhookSigner("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
        assertThat(signer.sign("msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, "{\"test\": 2432232314}"))
                .isEqualTo("v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
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
