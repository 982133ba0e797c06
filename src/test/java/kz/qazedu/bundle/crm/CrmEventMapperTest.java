package kz.qazedu.bundle.crm;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.message.MessageNormalizer;
import kz.qazedu.bundle.support.EvolutionSamples;
import org.junit.jupiter.api.Test;

/** Every Evolution sample as the CRM receives it (version 1 of the CRM event). */
class CrmEventMapperTest {

    private static final Instant RECEIVED = Instant.parse("2025-11-03T14:15:39Z");

    private final ObjectMapper json = JsonMapper.builder().findAndAddModules()
            .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build();
    private final CrmEventMapper mapper = new CrmEventMapper(new MessageNormalizer(json), json);

    @Test
    void anIncomingMessageIsMessageReceivedWithChatAuthorAndWhatsAppsTime() throws Exception {
        JsonNode event = crm("messages.upsert.text.json");
        assertThat(event.path("specVersion").asText()).isEqualTo("1");
        assertThat(event.path("id").asText()).isEqualTo("evt_test");
        assertThat(event.path("type").asText()).isEqualTo("message.received");
        assertThat(event.path("instance").asText()).isEqualTo("atendimento-01");
        assertThat(event.path("occurredAt").asText()).isEqualTo("2025-11-03T09:15:38Z");
        assertThat(event.path("chat").path("id").asText()).isEqualTo("77051234567@s.whatsapp.net");
        assertThat(event.path("chat").path("phone").asText()).isEqualTo("77051234567");
        assertThat(event.path("chat").path("lid").asText()).isEqualTo("118320954470401@lid");
        assertThat(event.path("chat").path("isGroup").asBoolean()).isFalse();
        assertThat(event.path("author").path("name").asText()).isEqualTo("Aigerim Nurlanovna");
        assertThat(event.path("message").path("direction").asText()).isEqualTo("inbound");
        assertThat(event.path("message").path("text").asText()).startsWith("Hello! What time");
        assertThat(event.path("raw")).isEqualTo(sample("messages.upsert.text.json"));
    }

    @Test
    void messagesSentThroughTheApiOrFromThePhoneAreMessageSent() throws Exception {
        assertThat(crm("send.message.text.json").path("type").asText()).isEqualTo("message.sent");
        JsonNode phone = crm("messages.upsert.fromme-phone.json");
        assertThat(phone.path("type").asText()).isEqualTo("message.sent");
        assertThat(phone.path("message").path("direction").asText()).isEqualTo("outbound");
    }

    @Test
    void mediaGroupsAndReactionsKeepWhatACrmNeeds() throws Exception {
        JsonNode image = crm("messages.upsert.image-caption.json");
        assertThat(image.path("message").path("type").asText()).isEqualTo("imageMessage");
        assertThat(image.path("message").path("text").asText()).startsWith("Результаты анализов");
        assertThat(image.path("message").path("media").path("mimetype").asText()).isEqualTo("image/jpeg");

        JsonNode group = crm("messages.upsert.group.json");
        assertThat(group.path("chat").path("isGroup").asBoolean()).isTrue();
        assertThat(group.path("author").path("phone").asText()).isEqualTo("77059876543");

        JsonNode reaction = crm("messages.upsert.reaction.json");
        assertThat(reaction.path("message").path("quotedMessageId").asText()).isEqualTo("3EB0A7F3C21D9E84B6C0F1");
    }

    @Test
    void statusUpdatesAndDeletionsAreMessageStatus() throws Exception {
        JsonNode read = crm("messages.update.read.multi-key-1of2.json");
        assertThat(read.path("type").asText()).isEqualTo("message.status");
        assertThat(read.path("status").path("messageId").asText()).isEqualTo("3EB0C5D7E9F1A3B5C7D9E1");
        assertThat(read.path("status").path("value").asText()).isEqualTo("READ");
        assertThat(read.path("chat").path("phone").asText()).isEqualTo("77051234567");

        JsonNode deleted = crm("messages.delete.json");
        assertThat(deleted.path("type").asText()).isEqualTo("message.status");
        assertThat(deleted.path("status").path("value").asText()).isEqualTo("DELETED");
    }

    @Test
    void connectionAndQrCodeAreInstanceEvents() throws Exception {
        JsonNode closed = crm("connection.update.close-logged-out.json");
        assertThat(closed.path("type").asText()).isEqualTo("instance.connection");
        assertThat(closed.path("connection").path("state").asText()).isEqualTo("close");
        assertThat(closed.path("connection").path("statusReason").asInt()).isEqualTo(401);
        assertThat(closed.path("occurredAt").asText()).isEqualTo(RECEIVED.toString());

        JsonNode qr = crm("qrcode.updated.json");
        assertThat(qr.path("type").asText()).isEqualTo("instance.qrcode");
        assertThat(qr.path("qrcode").path("base64").asText()).startsWith("data:image/png;base64,");
    }

    @Test
    void everythingElseIsEvolutionDotItsEventWithTheRawPayload() throws Exception {
        JsonNode unknown = crm("unknown.future-event.json");
        assertThat(unknown.path("type").asText()).isEqualTo("evolution.message-receipt.update");
        assertThat(unknown.path("raw")).isEqualTo(sample("unknown.future-event.json"));
        assertThat(crm("logout.instance.json").path("type").asText()).isEqualTo("evolution.logout.instance");
    }

    @Test
    void everySampleMaps() throws Exception {
        for (String name : EvolutionSamples.names()) {
            JsonNode event = crm(name);
            assertThat(event.path("type").asText()).as(name).isNotBlank();
            assertThat(event.has("raw")).as(name).isTrue();
        }
    }

    @Test
    void anOutboundStatusIsMessageStatusWithTheCrmsOwnId() throws Exception {
        String payload = """
                {"event":"outbound.status","instance":"atendimento-01","data":{"id":"out_1","crmMessageId":"crm-7",
                 "to":"77051234567","chatId":"77051234567@s.whatsapp.net","waMessageId":"3EB0A7","status":"failed",
                 "reasonCode":"not_on_whatsapp","reason":"not on WhatsApp: 77051234567","attempts":1,
                 "at":"2025-11-03T14:15:39Z"}}""";
        JsonNode event = json.readTree(json.writeValueAsString(mapper.map("evt_out_1", "outbound.status", RECEIVED, payload)));
        assertThat(event.path("type").asText()).isEqualTo("message.status");
        assertThat(event.path("chat").path("phone").asText()).isEqualTo("77051234567");
        assertThat(event.path("status").path("messageId").asText()).isEqualTo("3EB0A7");
        assertThat(event.path("status").path("value").asText()).isEqualTo("FAILED");
        assertThat(event.path("outbound").path("id").asText()).isEqualTo("out_1");
        assertThat(event.path("outbound").path("crmMessageId").asText()).isEqualTo("crm-7");
        assertThat(event.path("outbound").path("reasonCode").asText()).isEqualTo("not_on_whatsapp");
    }

    @Test
    void aPausedInstanceIsInstanceSending() throws Exception {
        String payload = """
                {"event":"outbound.instance","instance":"atendimento-01","data":{"state":"paused",
                 "reasonCode":"repeated_failures","reason":"5 sends in a row failed","at":"2025-11-03T14:15:39Z"}}""";
        JsonNode event = json.readTree(json.writeValueAsString(mapper.map("evt_p", "outbound.instance", RECEIVED, payload)));
        assertThat(event.path("type").asText()).isEqualTo("instance.sending");
        assertThat(event.path("sending").path("state").asText()).isEqualTo("paused");
        assertThat(event.path("sending").path("reasonCode").asText()).isEqualTo("repeated_failures");
    }

    private JsonNode crm(String sampleName) throws Exception {
        ObjectNode body = sample(sampleName);
        CrmEvent event = mapper.map("evt_test", body.path("event").asText(), RECEIVED, body.toString());
        return json.readTree(json.writeValueAsString(event));
    }
}
