package kz.qazedu.bundle.instance;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.support.IntegrationTest;
import org.junit.jupiter.api.Test;

/** routes/instance-qrcode-store.camel.yaml: qrcode.updated -> the instance's last QR code, its count and pairing code. */
class InstanceQrcodeStoreTest extends IntegrationTest {

    @Test
    void aQrCodeIsCountedAndTheQrLimitAnswerIsNot() {
        String instance = uniqueInstance();
        webhooks.post(sample("qrcode.updated.json", instance));
        eventually().until(() -> count("select count(*) from instance where name = ? and qr_count = 1", instance) == 1);
        assertThat(state(instance).get("last_qr_at")).isNotNull();

        ObjectNode limit = sample("qrcode.updated.json", instance);
        limit.with("data").putObject("qrcode").put("message", "QR code limit reached").put("statusCode", 500);
        webhooks.post(limit);
        eventually().until(() -> count("select count(*) from inbound_event where instance = ?", instance) == 2 && unpublished(instance) == 0);
        eventually().during(java.time.Duration.ofMillis(500)).until(() -> (Integer) state(instance).get("qr_count") == 1);
    }

    private Map<String, Object> state(String instance) {
        return jdbc.queryForList("select * from instance where name = ?", instance).stream().findFirst().orElse(Map.of());
    }
}
