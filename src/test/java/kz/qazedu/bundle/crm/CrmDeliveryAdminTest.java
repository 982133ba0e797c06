package kz.qazedu.bundle.crm;

import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * routes/crm-delivery-admin.camel.yaml on its own (CRM forwarding off, so that a replayed delivery stays where the
 * replay put it): listing by instance, type and state with each delivery's attempts, and replaying one, a selection
 * or a filter, each keeping the event's id; refusals with their status and reason.
 */
class CrmDeliveryAdminTest extends IntegrationTest {

    private static final String API = "Bearer test-api-token";

    private String instance;

    @BeforeEach
    void deliveries() {
        instance = uniqueInstance();
        delivery("dead-upsert", "messages.upsert", "dead");
        delivery("dead-update", "messages.update", "dead");
        delivery("delivered", "messages.upsert", "delivered");
    }

    @Test
    void supportListsByInstanceTypeAndStateWithTheAttempts() {
        assertThat(webhooks.get("/api/v1/crm/deliveries?instance=" + instance).status()).isEqualTo(401);

        Reply dead = webhooks.get("/api/v1/crm/deliveries?state=dead&instance=" + instance, "Authorization", API);
        Reply upserts = webhooks.get("/api/v1/crm/deliveries?state=dead&type=messages.upsert&instance=" + instance,
                "Authorization", API);
        Reply one = webhooks.get("/api/v1/crm/deliveries?instance=" + instance + "&limit=1", "Authorization", API);

        assertThat(dead.status()).isEqualTo(200);
        assertThat(ids(dead.json())).containsExactlyInAnyOrder(id("dead-upsert"), id("dead-update"));
        JsonNode first = dead.json().path("deliveries").path(0);
        assertThat(first.path("lastStatus").asInt()).isEqualTo(422);
        assertThat(first.path("attemptLog").path(0).path("status").asInt()).isEqualTo(422);
        assertThat(ids(upserts.json())).containsExactly(id("dead-upsert"));
        assertThat(one.json().path("deliveries")).hasSize(1);
    }

    @Test
    void theBacklogCountsWaitingAndDeadDeliveries() {
        JsonNode before = webhooks.get("/api/v1/crm/backlog", "Authorization", API).json();
        webhooks.post("/api/v1/crm/deliveries/" + id("dead-upsert") + "/replay", "", "Authorization", API);

        JsonNode after = webhooks.get("/api/v1/crm/backlog", "Authorization", API).json();

        assertThat(webhooks.get("/api/v1/crm/backlog").status()).isEqualTo(401);
        assertThat(after.path("pending").asLong()).isEqualTo(before.path("pending").asLong() + 1);
        assertThat(after.path("due").asLong()).isGreaterThanOrEqualTo(1);
        assertThat(after.path("dead").asLong()).isEqualTo(before.path("dead").asLong() - 1);
        assertThat(after.path("oldestPendingAt").isTextual()).isTrue();
    }

    @Test
    void aDeadLetterIsReplayedWithItsIdAndAnUnknownOneIsNotFound() {
        Reply replayed = webhooks.post("/api/v1/crm/deliveries/" + id("dead-upsert") + "/replay", "", "Authorization", API);

        assertThat(replayed.status()).isEqualTo(202);
        assertThat(replayed.json().path("replayed").asInt()).isEqualTo(1);
        assertThat(jdbc.queryForObject("select state || '/' || attempts from crm_delivery where event_id = ?",
                String.class, id("dead-upsert"))).isEqualTo("pending/0");
        assertThat(state("dead-update")).isEqualTo("dead");
        Reply unknown = webhooks.post("/api/v1/crm/deliveries/evt_never/replay", "", "Authorization", API);
        assertThat(unknown.status()).isEqualTo(404);
        assertThat(unknown.json().path("error").asText()).isEqualTo("not_found");
    }

    @Test
    void aSelectionOrAFilterIsReplayedAndAMisspeltFilterReplaysNothing() {
        Reply selection = webhooks.post("/api/v1/crm/deliveries/replay",
                "{\"eventIds\": [\"" + id("dead-update") + "\"]}", "Authorization", API);
        assertThat(selection.json().path("replayed").asInt()).isEqualTo(1);
        assertThat(state("dead-update")).isEqualTo("pending");

        Reply misspelt = webhooks.post("/api/v1/crm/deliveries/replay", "{\"instanse\": \"" + instance + "\"}",
                "Authorization", API);
        Reply badState = webhooks.post("/api/v1/crm/deliveries/replay", "{\"state\": \"lost\"}", "Authorization", API);
        Reply notObject = webhooks.post("/api/v1/crm/deliveries/replay", "[1]", "Authorization", API);
        assertThat(misspelt.status()).isEqualTo(400);
        assertThat(badState.status()).isEqualTo(400);
        assertThat(notObject.status()).isEqualTo(400);
        assertThat(state("dead-upsert")).isEqualTo("dead");

        Reply filter = webhooks.post("/api/v1/crm/deliveries/replay", "{\"instance\": \"" + instance + "\"}",
                "Authorization", API);
        assertThat(filter.json().path("replayed").asInt()).isEqualTo(1);
        assertThat(state("dead-upsert")).isEqualTo("pending");
        assertThat(state("delivered")).isEqualTo("delivered");
    }

    private void delivery(String name, String type, String state) {
        jdbc.update("""
                insert into crm_delivery (event_id, seq, ordering_key, instance, event_type, state, attempts, last_status,
                                          last_error, delivered_at, dead_at)
                values (?, -1, ? || '|77051234567@s.whatsapp.net', ?, ?, ?, 1, ?, ?,
                        case when ? = 'delivered' then now() end, case when ? = 'dead' then now() end)
                """, id(name), instance, instance, type, state, state.equals("dead") ? 422 : 200,
                state.equals("dead") ? "CRM answered 422" : null, state, state);
        jdbc.update("""
                insert into crm_delivery_attempt (event_id, attempt, attempted_at, status_code, latency_ms)
                values (?, 1, now(), ?, 12)
                """, id(name), state.equals("dead") ? 422 : 200);
    }

    private String id(String name) {
        return "evt_" + instance + "_" + name;
    }

    private String state(String name) {
        return jdbc.queryForObject("select state from crm_delivery where event_id = ?", String.class, id(name));
    }

    private static java.util.List<String> ids(JsonNode body) {
        return java.util.stream.StreamSupport.stream(body.path("deliveries").spliterator(), false)
                .map(d -> d.path("eventId").asText()).toList();
    }
}
