package kz.qazedu.bundle.inbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import kz.qazedu.bundle.edge.RequestRejectedException;
import org.junit.jupiter.api.Test;

class WebhookPathTest {

    @Test
    void readsTheTokenAndTheEventSuffix() {
        assertThat(WebhookPath.parse("/webhook/evolution")).isEqualTo(new WebhookPath(null, null));
        assertThat(WebhookPath.parse("/webhook/evolution/")).isEqualTo(new WebhookPath(null, null));
        assertThat(WebhookPath.parse("/webhook/evolution/messages-upsert")).isEqualTo(new WebhookPath(null, "messages-upsert"));
        assertThat(WebhookPath.parse("/webhook/evolution/key/s3cret")).isEqualTo(new WebhookPath("s3cret", null));
        assertThat(WebhookPath.parse("/webhook/evolution/key/s3cret/send-message"))
                .isEqualTo(new WebhookPath("s3cret", "send-message"));
    }

    @Test
    void anythingElseIsNotAWebhookPath() {
        assertThatThrownBy(() -> WebhookPath.parse("/webhook/evolution/a/b"))
                .isInstanceOf(RequestRejectedException.class).hasMessageContaining("unknown webhook path");
        assertThatThrownBy(() -> WebhookPath.parse("/webhook/evolution/key/t/e/x"))
                .isInstanceOf(RequestRejectedException.class);
        assertThatThrownBy(() -> WebhookPath.parse("/webhook/evolution//x"))
                .isInstanceOf(RequestRejectedException.class);
    }

    @Test
    void theSuffixMatchesTheEventAsEvolutionSpellsIt() {
        assertThat(new WebhookPath(null, "messages-upsert").suffixMatches("messages.upsert")).isTrue();
        assertThat(new WebhookPath(null, "group-participants-update").suffixMatches("group-participants.update")).isTrue();
        assertThat(new WebhookPath(null, "MESSAGES_UPSERT").suffixMatches("messages.upsert")).isTrue();
        assertThat(new WebhookPath(null, "messages-update").suffixMatches("messages.upsert")).isFalse();
        assertThat(new WebhookPath(null, null).suffixMatches("anything")).isTrue();
    }
}
