package kz.qazedu.bundle.hawtio;

import static org.assertj.core.api.Assertions.assertThat;

import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.Test;

/**
 * routes/console-settings.camel.yaml in the default context (Hawtio off): the console is told there is no Hawtio
 * to link to, and only with the API token. With Hawtio on, HawtioTest checks the link.
 */
class ConsoleSettingsTest extends IntegrationTest {

    private static final String OPERATOR = "Bearer test-api-token";

    @Test
    void withoutHawtioTheConsoleGetsNoLink() {
        Reply settings = webhooks.get("/api/v1/console", "Authorization", OPERATOR);

        assertThat(settings.status()).isEqualTo(200);
        assertThat(settings.json().has("hawtioUrl")).isTrue();
        assertThat(settings.json().path("hawtioUrl").isNull()).isTrue();
    }

    @Test
    void onlyTheApiTokenInItsHeaderReadsThem() {
        assertThat(webhooks.get("/api/v1/console").status()).isEqualTo(401);
        assertThat(webhooks.get("/api/v1/console", "Authorization", "Bearer wrong-token").status()).isEqualTo(401);
        assertThat(webhooks.get("/api/v1/console?token=test-api-token").status()).isEqualTo(401);
        assertThat(webhooks.get("/api/v1/console", "Authorization", "Bearer test-api-token").json().path("error").isMissingNode())
                .isTrue();
    }
}
