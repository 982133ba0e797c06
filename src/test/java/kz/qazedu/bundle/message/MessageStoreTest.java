package kz.qazedu.bundle.message;

import static kz.qazedu.bundle.support.EvolutionSamples.JSON;
import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.support.IntegrationTest;
import org.junit.jupiter.api.Test;

/**
 * routes/message-store.camel.yaml and routes/sent-message-store.camel.yaml: webhook in, normalized message row
 * out, as Evolution's different versions and message kinds write them.
 */
class MessageStoreTest extends IntegrationTest {

    @Test
    void anIncomingTextWithPhoneAndLid() {
        Map<String, Object> row = store("messages.upsert.text.json", "A5561E44C2A63682E4295B52F484C14E");

        assertThat(row).containsEntry("direction", "inbound")
                .containsEntry("from_me", false)
                .containsEntry("chat_jid", "77051234567@s.whatsapp.net")
                .containsEntry("chat_phone", "77051234567")
                .containsEntry("chat_lid", "118320954470401@lid")
                .containsEntry("is_group", false)
                .containsEntry("author_jid", "77051234567@s.whatsapp.net")
                .containsEntry("author_phone", "77051234567")
                .containsEntry("author_name", "Aigerim Nurlanovna")
                .containsEntry("message_type", "conversation")
                .containsEntry("body", "Hello! What time does the clinic open tomorrow, and how much is a first consultation?")
                .containsEntry("status", "DELIVERY_ACK")
                .containsEntry("wa_timestamp", Timestamp.from(Instant.ofEpochSecond(1762161338)));
        assertThat(row.get("media")).isNull();
    }

    @Test
    void mediaKeepsItsCaptionAndUsefulMetadataButNotOpaqueFields() throws Exception {
        Map<String, Object> image = store("messages.upsert.image-caption.json", "ACB41F90D2E6A3B7C85D19E0F4A62B31");
        assertThat(image.get("body")).isEqualTo("Результаты анализов / талдау нәтижелері 📄");
        JsonNode media = JSON.readTree(image.get("media").toString());
        assertThat(media.path("kind").asText()).isEqualTo("image");
        assertThat(media.path("mimetype").asText()).isEqualTo("image/jpeg");
        assertThat(media.path("fileLength").asLong()).isEqualTo(84251);
        assertThat(media.has("mediaKey")).isFalse();
        assertThat(media.has("jpegThumbnail")).isFalse();

        Map<String, Object> document = store("messages.upsert.document-caption.json", "AF51C2D3E4B5A6978877665544332211");
        assertThat(document.get("body")).isEqualTo("Направление от терапевта");
        assertThat(JSON.readTree(document.get("media").toString()).path("fileName").asText())
                .isEqualTo("направление_2025-11-03.pdf");

        Map<String, Object> voice = store("messages.upsert.audio-ptt.json", "3A9B0C1D2E3F40516273");
        JsonNode audio = JSON.readTree(voice.get("media").toString());
        assertThat(audio.path("ptt").asBoolean()).isTrue();
        assertThat(audio.path("seconds").asInt()).isEqualTo(7);
        assertThat(voice.get("chat_lid")).isEqualTo("140592283716533@lid");

        Map<String, Object> location = store("messages.upsert.location.json", "B7E2A9C4D1F0365841AA9C2E7D0B5F63");
        assertThat(JSON.readTree(location.get("media").toString()).path("degreesLatitude").asDouble()).isEqualTo(43.238949);
    }

    @Test
    void aReactionPointsAtTheMessageItReactsTo() {
        Map<String, Object> row = store("messages.upsert.reaction.json", "C1D2E3F4A5B60718293A4B5C6D7E8F90");
        assertThat(row).containsEntry("message_type", "reactionMessage")
                .containsEntry("body", "❤️")
                .containsEntry("quoted_message_id", "3EB0A7F3C21D9E84B6C0F1");
    }

    @Test
    void aGroupMessageIsInTheGroupChatAndAuthoredByTheParticipant() {
        Map<String, Object> row = store("messages.upsert.group.json", "3A7C21F05E9B4D68A2C3");
        assertThat(row).containsEntry("chat_jid", "120363041234567890@g.us")
                .containsEntry("is_group", true)
                .containsEntry("author_jid", "77059876543@s.whatsapp.net")
                .containsEntry("author_phone", "77059876543")
                .containsEntry("body", "@77012345678 can you confirm Saturday's schedule for the group session?");
        assertThat(row.get("chat_phone")).isNull();
    }

    @Test
    void aMessageTypedOnTheLinkedPhoneIsOutboundFromTheInstanceOwner() {
        Map<String, Object> row = store("messages.upsert.fromme-phone.json", "3A2E5D8B1C4F7A0936E2");
        assertThat(row).containsEntry("direction", "outbound")
                .containsEntry("from_me", true)
                .containsEntry("chat_phone", "77051234567")
                .containsEntry("author_jid", "77012345678@s.whatsapp.net")
                .containsEntry("status", "SERVER_ACK");
    }

    @Test
    void aMessageSentThroughTheApiIsStoredFromSendMessage() {
        Map<String, Object> row = store("send.message.text.json", "3EB0A7F3C21D9E84B6C0F1");
        assertThat(row).containsEntry("direction", "outbound")
                .containsEntry("body", "We have a free slot tomorrow at 10:30. Shall I book it?")
                .containsEntry("status", "PENDING");
    }

    @Test
    void thePhoneIsFoundWhicheverFieldEvolutionPutItIn() {
        // 2.3.7 rewrites remoteJid to the phone and drops the LID
        Map<String, Object> rewritten = store("messages.upsert.lid.2.3.7-rewritten.json", "3A4D6F8B0C2E4A6C8E1A");
        assertThat(rewritten).containsEntry("chat_phone", "77083334455");
        assertThat(rewritten.get("chat_lid")).isNull();

        // other versions put the LID in remoteJid and the phone in remoteJidAlt
        String instance = uniqueInstance();
        ObjectNode swapped = sample("messages.upsert.text.json", instance);
        ((ObjectNode) swapped.path("data").path("key"))
                .put("remoteJid", "118320954470401@lid").put("remoteJidAlt", "77051234567@s.whatsapp.net");
        Map<String, Object> row = storeBody(swapped, "A5561E44C2A63682E4295B52F484C14E");
        assertThat(row).containsEntry("chat_jid", "77051234567@s.whatsapp.net")
                .containsEntry("chat_phone", "77051234567")
                .containsEntry("chat_lid", "118320954470401@lid");

        // and some messages carry only a LID
        ObjectNode lidOnly = sample("messages.upsert.text.json", uniqueInstance());
        ((ObjectNode) lidOnly.path("data").path("key")).put("remoteJid", "118320954470401@lid").remove("remoteJidAlt");
        Map<String, Object> hidden = storeBody(lidOnly, "A5561E44C2A63682E4295B52F484C14E");
        assertThat(hidden).containsEntry("chat_jid", "118320954470401@lid")
                .containsEntry("chat_lid", "118320954470401@lid");
        assertThat(hidden.get("chat_phone")).isNull();
    }

    @Test
    void olderVersionsTextInExtendedTextMessageIsRead() {
        ObjectNode body = sample("messages.upsert.text.json", uniqueInstance());
        ObjectNode message = (ObjectNode) body.path("data").path("message");
        message.remove("conversation");
        message.putObject("extendedTextMessage").put("text", "old style").putObject("contextInfo").put("stanzaId", "QUOTED1");
        body.with("data").put("messageType", "extendedTextMessage");
        Map<String, Object> row = storeBody(body, "A5561E44C2A63682E4295B52F484C14E");
        assertThat(row).containsEntry("body", "old style").containsEntry("quoted_message_id", "QUOTED1");
    }

    @Test
    void aRedeliveredMessageStaysOneRow() {
        String instance = uniqueInstance();
        ObjectNode body = sample("messages.upsert.text.json", instance);
        webhooks.post(body);
        body.put("date_time", "2025-11-03T20:00:00.000Z");
        webhooks.post(body);
        eventually().until(() -> count("select count(*) from message where instance = ?", instance) == 1);
        eventually().until(() -> unpublished(instance) == 0);
        assertThat(count("select count(*) from message where instance = ?", instance)).isEqualTo(1);
    }

    private Map<String, Object> store(String sample, String messageId) {
        return storeBody(sample(sample, uniqueInstance()), messageId);
    }

    private Map<String, Object> storeBody(ObjectNode body, String messageId) {
        String instance = body.path("instance").asText();
        assertThat(webhooks.post(body).status()).isEqualTo(202);
        eventually().until(() -> count("select count(*) from message where instance = ? and wa_message_id = ?",
                instance, messageId) == 1);
        return jdbc.queryForMap("select * from message where instance = ? and wa_message_id = ?", instance, messageId);
    }
}
