package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.Test;

/**
 * routes/instance-sending-admin.camel.yaml on its own: an instance's sending state, a pause by hand and a resume,
 * each told once to the CRM ({@code outbound.instance}, journaled like a webhook); refusals with their reason.
 */
class InstanceSendingAdminTest extends IntegrationTest {

    private static final String API = "Bearer test-api-token";

    @Test
    void aPauseAndAResumeChangeTheStateAndAreToldToTheCrmOnceEach() {
        String instance = uniqueInstance();
        String base = "/api/v1/instances/" + instance + "/sending";

        JsonNode fresh = webhooks.get(base, "Authorization", API).json();
        assertThat(fresh.path("paused").asBoolean(true)).isFalse();
        assertThat(fresh.path("queued").asInt(-1)).isZero();
        assertThat(fresh.path("connection").asText()).isEqualTo("unknown");

        Reply paused = webhooks.post(base + "/pause", "", "Authorization", API);
        webhooks.post(base + "/pause", "", "Authorization", API);

        assertThat(paused.status()).isEqualTo(200);
        assertThat(paused.json().path("paused").asBoolean()).isTrue();
        assertThat(paused.json().path("pauseReasonCode").asText()).isEqualTo("manual");
        assertThat(events(instance, "paused")).hasSize(1);

        Reply resumed = webhooks.post(base + "/resume", "", "Authorization", API);

        assertThat(resumed.json().path("paused").asBoolean(true)).isFalse();
        assertThat(events(instance, "resumed")).hasSize(1);
    }

    @Test
    void aBadNameOrNoTokenIsRefused() {
        assertThat(webhooks.get("/api/v1/instances/" + uniqueInstance() + "/sending").status()).isEqualTo(401);
        Reply bad = webhooks.post("/api/v1/instances/a..b/sending/pause", "", "Authorization", API);
        assertThat(bad.status()).isEqualTo(400);
        assertThat(bad.json().path("fields").has("instance")).isTrue();
    }

    private List<JsonNode> events(String instance, String state) {
        return jdbc.queryForList("select payload::text from inbound_event where instance = ? and event_type = 'outbound.instance'",
                        String.class, instance).stream().map(EvolutionSamples::json)
                .filter(e -> state.equals(e.path("data").path("state").asText())).toList();
    }
}
