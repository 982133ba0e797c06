package kz.qazedu.bundle.inbound;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

class EventIdentityTest {

    @Test
    void aMessageIsIdentifiedByInstanceKeyIdAndFromMeWhateverElseChanges() {
        ObjectNode first = sample("messages.upsert.text.json");
        ObjectNode redelivered = first.deepCopy();
        redelivered.put("date_time", "2026-01-01T00:00:00.000Z");
        redelivered.with("data").put("status", "READ").put("pushName", "renamed");

        assertThat(id(redelivered)).isEqualTo(id(first));

        ObjectNode otherInstance = first.deepCopy().put("instance", "another");
        ObjectNode fromMe = first.deepCopy();
        fromMe.with("data").with("key").put("fromMe", true);
        assertThat(id(otherInstance)).isNotEqualTo(id(first));
        assertThat(id(fromMe)).isNotEqualTo(id(first));
    }

    @Test
    void aStatusUpdateIsIdentifiedByKeyIdAndStatus() {
        ObjectNode serverAck = sample("messages.update.server-ack.json");
        ObjectNode repeated = serverAck.deepCopy().put("date_time", "2026-01-01T00:00:00.000Z");
        ObjectNode deliveryAck = sample("messages.update.delivery-ack.json");

        assertThat(id(repeated)).isEqualTo(id(serverAck));
        assertThat(id(deliveryAck)).isNotEqualTo(id(serverAck));
    }

    @Test
    void theSameMessageIdInAnotherEventTypeIsAnotherEvent() {
        ObjectNode upsert = sample("messages.upsert.image-caption.json");
        ObjectNode delete = sample("messages.delete.json");
        assertThat(upsert.path("data").path("key").path("id").asText())
                .isEqualTo(delete.path("data").path("id").asText());
        assertThat(id(delete)).isNotEqualTo(id(upsert));
    }

    @Test
    void otherEventsAreIdentifiedByTheirCanonicalBodyAndDateTimeWithoutTheFieldsOfTheDestination() {
        ObjectNode contacts = sample("contacts.upsert.array.json");
        ObjectNode reordered = contacts.deepCopy();
        reordered.remove("event");
        reordered.put("event", "contacts.upsert");
        // the global webhook's copy of the same event: another destination and server URL, the same date_time
        reordered.put("apikey", "other").put("server_url", "x").put("destination", "http://global/webhook");
        ObjectNode changed = contacts.deepCopy();
        ((ObjectNode) changed.path("data").path(0)).put("pushName", "Someone else");

        assertThat(id(reordered)).isEqualTo(id(contacts));
        assertThat(id(changed)).isNotEqualTo(id(contacts));
    }

    @Test
    void theSameConnectionStateAtAnotherTimeIsANewEventAndAnExactRetryIsNot() {
        ObjectNode open = sample("connection.update.open.json");
        ObjectNode retry = open.deepCopy();
        ObjectNode reconnected = open.deepCopy().put("date_time", "2025-11-03T09:15:41.002Z");

        assertThat(id(retry)).isEqualTo(id(open));
        assertThat(id(reconnected)).isNotEqualTo(id(open));
    }

    @Test
    void identitiesDoNotCollideWhateverTheNamesContain() {
        ObjectNode first = sample("messages.upsert.text.json").put("instance", "a|b");
        first.with("data").with("key").put("id", "c");
        ObjectNode second = sample("messages.upsert.text.json").put("instance", "a");
        second.with("data").with("key").put("id", "b|c");
        assertThat(id(first)).isNotEqualTo(id(second));

        ObjectNode status = sample("messages.update.server-ack.json").put("instance", "x|y");
        ObjectNode shifted = sample("messages.update.server-ack.json").put("instance", "x");
        shifted.with("data").put("keyId", "y|" + status.path("data").path("keyId").asText());
        assertThat(id(status)).isNotEqualTo(id(shifted));

        ObjectNode text = sample("unknown.future-event.json");
        ObjectNode split = text.deepCopy();
        text.put("extra", "ab");
        split.put("extr", "aab");
        assertThat(id(text)).isNotEqualTo(id(split));
    }

    @Test
    void chatPrefersThePhoneWhicheverFieldHoldsIt() {
        ObjectNode lidFirst = sample("messages.upsert.text.json");
        lidFirst.with("data").with("key").put("remoteJid", "118320954470401@lid")
                .put("remoteJidAlt", "77051234567@s.whatsapp.net");
        EventIdentity identity = EventIdentity.of("messages.upsert", "i", lidFirst);
        assertThat(identity.chatId()).isEqualTo("77051234567@s.whatsapp.net");
        assertThat(identity.messageId()).isEqualTo("A5561E44C2A63682E4295B52F484C14E");

        EventIdentity status = EventIdentity.of("messages.update", "i", sample("messages.update.read.multi-key-1of2.json"));
        assertThat(status.chatId()).isEqualTo("77051234567@s.whatsapp.net");
        assertThat(status.messageId()).isEqualTo("3EB0C5D7E9F1A3B5C7D9E1");

        EventIdentity connection = EventIdentity.of("connection.update", "i", sample("connection.update.open.json"));
        assertThat(connection.chatId()).isNull();
        assertThat(connection.messageId()).isNull();
    }

    private static String id(ObjectNode body) {
        return EventIdentity.of(body.path("event").asText(), body.path("instance").asText(), body).eventId();
    }
}
