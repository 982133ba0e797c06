package kz.qazedu.bundle;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.IntegrationTest;
import org.junit.jupiter.api.Test;

/**
 * The whole inbound journey for every sample: webhook in over HTTP, one stored event, published to the broker,
 * and the normalized row where the event is a message, a status or an instance change.
 */
class EvolutionSamplesJourneyTest extends IntegrationTest {

    @Test
    void everySampleEndsAsOneEventAndItsNormalizedRow() {
        String instance = uniqueInstance();
        List<String> messages = new ArrayList<>();
        List<String> statuses = new ArrayList<>();
        boolean instanceEvents = false;

        for (String name : EvolutionSamples.names()) {
            ObjectNode body = sample(name, instance);
            assertThat(webhooks.post(body).status()).as(name).isEqualTo(202);
            JsonNode data = body.path("data");
            switch (body.path("event").asText()) {
                case "messages.upsert", "send.message" -> messages.add(data.path("key").path("id").asText());
                case "messages.update" -> statuses.add(data.path("keyId").asText() + "/" + data.path("status").asText());
                case "messages.delete" -> statuses.add(data.path("id").asText() + "/DELETED");
                case "connection.update", "qrcode.updated" -> instanceEvents = true;
                default -> { }
            }
        }

        int samples = EvolutionSamples.names().size();
        eventually().until(() -> unpublished(instance) == 0);
        assertThat(count("select count(*) from inbound_event where instance = ?", instance)).isEqualTo(samples);

        long distinctMessages = messages.stream().distinct().count();
        eventually().until(() -> count("select count(*) from message where instance = ?", instance) == distinctMessages);
        assertThat(jdbc.queryForList("select wa_message_id from message where instance = ?", String.class, instance))
                .containsExactlyInAnyOrderElementsOf(messages.stream().distinct().toList());

        eventually().until(() -> count("select count(*) from message_status where instance = ?", instance)
                == statuses.size());
        assertThat(jdbc.queryForList("select wa_message_id || '/' || status from message_status where instance = ?",
                String.class, instance)).containsExactlyInAnyOrderElementsOf(statuses);

        assertThat(instanceEvents).isTrue();
        eventually().until(() -> count("select count(*) from instance where name = ? and last_qr_at is not null",
                instance) == 1);
    }
}
