package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import kz.qazedu.bundle.support.OutboundTestBase;
import org.junit.jupiter.api.Test;

/**
 * routes/outbound-housekeeping.camel.yaml: what no event moves. A message the broker lost is dispatched again and
 * sent once; a message a stopped bundle left mid-send is never sent again, it becomes unknown and then failed; the
 * send queue's gauges.
 */
class OutboundHousekeepingTest extends OutboundTestBase {

    @Test
    void aMessageTheBrokerLostIsDispatchedAgainAndSentOnce() {
        String instance = uniqueInstance();
        evolutionSends(instance);
        pause(instance);
        String id = sendText(instance, "77051234567", "Lost on the way");
        // handed to a broker that then lost its store: dispatched, but no copy left anywhere
        jdbc.update("update outbound_message set dispatched_at = now() - interval '10 seconds' where id = ?", id);
        resume(instance);

        eventually().until(() -> "sent".equals(status(id)));
        assertThat(sendsTo(instance)).hasSize(1);
    }

    @Test
    void aMessageLeftMidSendByAStoppedBundleIsNeverSentAgain() {
        String instance = uniqueInstance();
        evolutionSends(instance);
        pause(instance);
        String id = sendText(instance, "77051234567", "Cut off mid-send");
        // what a bundle that stopped during the Evolution call leaves behind
        jdbc.update("""
                update outbound_message set status = 'sending', status_rank = 10, attempts = 1,
                       attempted_at = now() - interval '1 minute', dispatched_at = null
                 where id = ?
                """, id);
        resume(instance);

        eventually().until(() -> "failed".equals(status(id)));
        assertThat(message(id).path("history").findValuesAsText("status")).contains("unknown");
        assertThat(message(id).path("reasonCode").asText()).isEqualTo("unconfirmed");
        assertThat(sendsTo(instance)).isEmpty();
    }

    @Test
    void theQueueOfEachInstanceAndItsPauseAreGaugesAndUnknownInstancesShareOneTag() {
        String instance = uniqueInstance();
        connection(instance, "close");
        eventually().until(() -> count("select count(*) from instance where name = ?", instance) == 1);
        pause(instance);
        String unknown = uniqueInstance();
        pause(unknown);
        sendText(unknown, "77051234569", "To an instance no webhook came from");
        sendText(instance, "77051234567", "One");
        sendText(instance, "77051234568", "Two");

        eventually().until(() -> {
            String metrics = webhooks.get("/actuator/prometheus", "Authorization", "Bearer " + API_TOKEN).body();
            return metrics.matches("(?s).*bundle_outbound_waiting\\{[^}]*instance=\"" + instance + "\"[^}]*} 2\\.0.*")
                    && metrics.matches("(?s).*bundle_outbound_paused\\{[^}]*instance=\"" + instance + "\"[^}]*} 1\\.0.*")
                    && metrics.matches("(?s).*bundle_outbound_waiting\\{[^}]*instance=\"other\"[^}]*} [1-9].*")
                    && !metrics.contains(unknown);
        });
    }

    private void pause(String instance) {
        webhooks.post("/api/v1/instances/" + instance + "/sending/pause", "", "Authorization", "Bearer " + API_TOKEN);
    }

    private void resume(String instance) {
        webhooks.post("/api/v1/instances/" + instance + "/sending/resume", "", "Authorization", "Bearer " + API_TOKEN);
    }
}
