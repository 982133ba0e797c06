package kz.qazedu.bundle.instance;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.support.IntegrationTest;
import org.junit.jupiter.api.Test;

/** routes/instance-connection-store.camel.yaml: connection.update -> the instance's latest connection state. */
class InstanceConnectionStoreTest extends IntegrationTest {

    @Test
    void theInstanceFollowsItsConnectionUpdatesInOrder() {
        String instance = uniqueInstance();
        webhooks.post(sample("connection.update.connecting.json", instance));
        webhooks.post(sample("connection.update.open.json", instance));
        eventually().until(() -> "open".equals(state(instance).get("state")));
        Map<String, Object> open = state(instance);
        assertThat(open).containsEntry("owner_jid", "77012345678@s.whatsapp.net")
                .containsEntry("profile_name", "Клиника Жібек")
                .containsEntry("status_reason", 200);

        webhooks.post(sample("connection.update.close-logged-out.json", instance));
        eventually().until(() -> "close".equals(state(instance).get("state")));
        assertThat(state(instance)).containsEntry("status_reason", 401)
                .containsEntry("owner_jid", "77012345678@s.whatsapp.net");
    }

    @Test
    void aPairingCodeIsKeptOnlyUntilTheNumberIsConnected() {
        String instance = uniqueInstance();
        ObjectNode pairing = sample("qrcode.updated.json", instance);
        ((ObjectNode) pairing.path("data").path("qrcode")).put("pairingCode", "WZYEH1YY");
        webhooks.post(pairing);
        eventually().until(() -> "WZYEH1YY".equals(state(instance).get("pairing_code")));

        webhooks.post(sample("connection.update.open.json", instance));
        eventually().until(() -> "open".equals(state(instance).get("state")));
        assertThat(state(instance).get("pairing_code")).isNull();
    }

    private Map<String, Object> state(String instance) {
        return jdbc.queryForList("select * from instance where name = ?", instance).stream().findFirst().orElse(Map.of());
    }
}
