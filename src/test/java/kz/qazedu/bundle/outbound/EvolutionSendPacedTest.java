package kz.qazedu.bundle.outbound;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static kz.qazedu.bundle.support.EvolutionSamples.JSON;
import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.support.OutboundTestBase;
import org.junit.jupiter.api.Test;

/**
 * routes/evolution-send-paced.camel.yaml against a WireMock Evolution: the request Evolution gets, each kind of
 * answer (201, 400 not on WhatsApp, other 400, 401, 500, no answer), statuses from webhooks, and the instance
 * paused by repeated failures.
 */
class EvolutionSendPacedTest extends OutboundTestBase {

    @Test
    void sendsTextWithTypingDelayAndFollowsWebhookStatusesUntilRead() throws Exception {
        String instance = uniqueInstance();
        evolutionSends(instance);
        ObjectNode request = JSON.createObjectNode().put("instance", instance).put("to", "8 705 123 45 67")
                .put("text", "Your child's lesson moved to 15:00").put("crmMessageId", "crm-7");
        String id = send(request).json().path("id").asText();

        eventually().until(() -> "sent".equals(status(id)));
        JsonNode call = JSON.readTree(sendsTo(instance).get(0).getBodyAsString());
        assertThat(sendsTo(instance).get(0).getUrl()).isEqualTo("/message/sendText/" + instance);
        assertThat(call.path("number").asText()).isEqualTo("77051234567");
        assertThat(call.path("text").asText()).isEqualTo("Your child's lesson moved to 15:00");
        // 34 characters at 1 ms each, within the 50..200 ms typing bounds
        assertThat(call.path("delay").asLong()).isEqualTo(50);
        String waId = message(id).path("waMessageId").asText();
        assertThat(waId).startsWith("3EB0");

        webhooks.post(statusUpdate(instance, waId, "DELIVERY_ACK"));
        webhooks.post(statusUpdate(instance, waId, "READ"));
        webhooks.post(statusUpdate(instance, waId, "DELIVERY_ACK"));

        eventually().until(() -> "read".equals(status(id)));
        assertThat(message(id).path("history").findValuesAsText("status"))
                .containsExactly("queued", "sending", "sent", "delivered", "read");
        // every change after queued is an outbound.status event for the CRM, with the CRM's own id
        eventually().until(() -> count("select count(*) from inbound_event where instance = ? and event_type = 'outbound.status'",
                instance) == 4);
        List<String> crmIds = jdbc.queryForList("""
                select payload -> 'data' ->> 'crmMessageId' from inbound_event
                 where instance = ? and event_type = 'outbound.status' order by seq
                """, String.class, instance);
        assertThat(crmIds).containsOnly("crm-7");
        // and the CRM gets them as message.status with its own id, in order
        eventually().until(() -> crmEventsOf(instance).stream().filter(e -> e.has("outbound")).count() == 4);
        assertThat(crmEventsOf(instance).stream().filter(e -> e.has("outbound")))
                .allSatisfy(e -> {
                    assertThat(e.path("type").asText()).isEqualTo("message.status");
                    assertThat(e.path("outbound").path("crmMessageId").asText()).isEqualTo("crm-7");
                    assertThat(e.path("outbound").path("id").asText()).isEqualTo(id);
                })
                .extracting(e -> e.path("outbound").path("status").asText())
                .containsExactly("sending", "sent", "delivered", "read");
    }

    @Test
    void sendsMediaByUrlAsAReply() throws Exception {
        String instance = uniqueInstance();
        evolutionSends(instance);
        ObjectNode request = JSON.createObjectNode().put("instance", instance).put("to", "120363025246125486@g.us")
                .put("replyTo", "3EB0QUOTED");
        request.putObject("media").put("type", "document").put("url", "https://files.example.com/schedule.pdf")
                .put("fileName", "schedule.pdf").put("mimetype", "application/pdf").put("caption", "New schedule");
        String id = send(request).json().path("id").asText();

        eventually().until(() -> "sent".equals(status(id)));
        assertThat(sendsTo(instance).get(0).getUrl()).isEqualTo("/message/sendMedia/" + instance);
        JsonNode call = JSON.readTree(sendsTo(instance).get(0).getBodyAsString());
        assertThat(call.path("number").asText()).isEqualTo("120363025246125486@g.us");
        assertThat(call.path("mediatype").asText()).isEqualTo("document");
        assertThat(call.path("media").asText()).isEqualTo("https://files.example.com/schedule.pdf");
        assertThat(call.path("fileName").asText()).isEqualTo("schedule.pdf");
        assertThat(call.path("mimetype").asText()).isEqualTo("application/pdf");
        assertThat(call.path("caption").asText()).isEqualTo("New schedule");
        assertThat(call.path("quoted").path("key").path("id").asText()).isEqualTo("3EB0QUOTED");
    }

    @Test
    void aNumberNotOnWhatsAppFailsOnceWithoutRetry() {
        String instance = uniqueInstance();
        evolutionAnswers(instance, evolutionError(400, "Bad Request",
                "[{\"jid\":\"77001112233@s.whatsapp.net\",\"exists\":false,\"number\":\"77001112233\"}]"));

        String id = sendText(instance, "77001112233", "Hello");

        eventually().until(() -> "failed".equals(status(id)));
        JsonNode failed = message(id);
        assertThat(failed.path("reasonCode").asText()).isEqualTo("not_on_whatsapp");
        assertThat(failed.path("reason").asText()).contains("77001112233");
        assertThat(sendsTo(instance)).hasSize(1);
    }

    @Test
    void serverErrorsAreRetriedUntilEvolutionTakesTheMessage() {
        String instance = uniqueInstance();
        String scenario = "recovering-" + instance;
        EVOLUTION.stubFor(post(urlPathMatching("/message/sendText/" + instance)).inScenario(scenario)
                .whenScenarioStateIs(STARTED).willReturn(evolutionError(500, "Internal Server Error", "\"boom\""))
                .willSetStateTo("up"));
        EVOLUTION.stubFor(post(urlPathMatching("/message/sendText/" + instance)).inScenario(scenario)
                .whenScenarioStateIs("up").willReturn(sent()));

        String id = sendText(instance, "77051234567", "Retry me");

        eventually().until(() -> "sent".equals(status(id)));
        assertThat(sendsTo(instance)).hasSize(2);
        JsonNode sent = message(id);
        assertThat(sent.path("attempts").asInt()).isEqualTo(2);
        assertThat(sent.path("history").findValuesAsText("reasonCode")).contains("retrying_server_error");
    }

    @Test
    void aTimeoutIsUnknownNeverResentAndTheSendMessageWebhookConfirmsIt() {
        String instance = uniqueInstance();
        // the answer comes after the bundle stopped waiting (the longest typing, 200 ms, + 2 s)
        evolutionAnswers(instance, sent().withFixedDelay(3500));

        String id = sendText(instance, "77051234567", "Are you coming today?");

        // the window may already have turned it to failed (unconfirmed): confirmation still counts then
        eventually().until(() -> message(id).path("history").findValuesAsText("status").contains("unknown"));
        ObjectNode confirmation = sample("send.message.text.json", instance);
        confirmation.with("data").with("key").put("id", "3EB0CONFIRMED").put("remoteJid", "77051234567@s.whatsapp.net");
        confirmation.with("data").with("message").put("conversation", "Are you coming today?");
        webhooks.post(confirmation);

        eventually().until(() -> "sent".equals(status(id)));
        assertThat(message(id).path("waMessageId").asText()).isEqualTo("3EB0CONFIRMED");
        assertThat(sendsTo(instance)).hasSize(1);
    }

    @Test
    void anUnconfirmedSendFailsAfterTheWindowInsteadOfBeingSentTwice() {
        String instance = uniqueInstance();
        evolutionAnswers(instance, sent().withFixedDelay(3500));

        String id = sendText(instance, "77051234567", "Once only");

        eventually().until(() -> "failed".equals(status(id)));
        assertThat(message(id).path("reasonCode").asText()).isEqualTo("unconfirmed");
        assertThat(message(id).path("history").findValuesAsText("status")).contains("unknown");
        assertThat(sendsTo(instance)).hasSize(1);
    }

    @Test
    void aRefusedApiKeyFailsThePausesTheInstanceShowsInHealthAndResumeSendsTheRest() {
        String instance = uniqueInstance();
        String scenario = "bad-key-" + instance;
        EVOLUTION.stubFor(post(urlPathMatching("/message/sendText/" + instance)).inScenario(scenario)
                .whenScenarioStateIs(STARTED).willReturn(evolutionError(401, "Unauthorized", "\"Unauthorized\""))
                .willSetStateTo("fixed"));
        EVOLUTION.stubFor(post(urlPathMatching("/message/sendText/" + instance)).inScenario(scenario)
                .whenScenarioStateIs("fixed").willReturn(sent()));

        String first = sendText(instance, "77051234567", "First");
        eventually().until(() -> "failed".equals(status(first)));
        String second = sendText(instance, "77051234568", "Second");

        assertThat(message(first).path("reasonCode").asText()).isEqualTo("configuration");
        JsonNode health = webhooks.get("/actuator/health", "Authorization", "Bearer " + API_TOKEN).json();
        assertThat(health.path("components").path("outbound").path("status").asText()).isEqualTo("DEGRADED");
        assertThat(health.path("components").path("outbound").toString()).contains(instance);
        JsonNode state = webhooks.get("/api/v1/instances/" + instance + "/sending", "Authorization", "Bearer " + API_TOKEN).json();
        assertThat(state.path("paused").asBoolean()).isTrue();
        assertThat(state.path("pauseReasonCode").asText()).isEqualTo("configuration");
        assertThat(status(second)).isEqualTo("queued");

        webhooks.post("/api/v1/instances/" + instance + "/sending/resume", "", "Authorization", "Bearer " + API_TOKEN);

        eventually().until(() -> "sent".equals(status(second)));
        assertThat(sendsTo(instance)).hasSize(2);
        assertThat(jdbc.queryForList("""
                select payload -> 'data' ->> 'state' from inbound_event
                 where instance = ? and event_type = 'outbound.instance' order by seq
                """, String.class, instance)).containsExactly("paused", "resumed");
    }

    @Test
    void repeatedFailuresPauseTheInstanceAndTellTheCrm() {
        String instance = uniqueInstance();
        evolutionAnswers(instance, evolutionError(400, "Bad Request", "[\"Text is too long for this chat\"]"));

        for (int i = 0; i < 4; i++) {
            sendText(instance, "7705123450" + i, "Message " + i);
        }

        eventually().until(() -> count("select count(*) from outbound_instance where instance = ? and paused_at is not null",
                instance) == 1);
        assertThat(jdbc.queryForObject("select pause_reason_code from outbound_instance where instance = ?", String.class,
                instance)).isEqualTo("repeated_failures");
        assertThat(count("select count(*) from outbound_message where instance = ? and status = 'failed'", instance))
                .isEqualTo(3);
        assertThat(count("select count(*) from outbound_message where instance = ? and status = 'queued'", instance))
                .isEqualTo(1);
        assertThat(jdbc.queryForObject("select reason from outbound_message where instance = ? and status = 'failed' limit 1",
                String.class, instance)).isEqualTo("Text is too long for this chat");
        eventually().until(() -> count("select count(*) from inbound_event where instance = ? and event_type = 'outbound.instance'",
                instance) == 1);
        assertThat(sendsTo(instance)).hasSize(3);
    }

    @Test
    void sendsWaitWhileTheInstanceIsDisconnectedAndResumeAfterTheResumeDelay() {
        String instance = uniqueInstance();
        evolutionSends(instance);
        connection(instance, "close");
        eventually().until(() -> count("select count(*) from instance where name = ? and state = 'close'", instance) == 1);

        String id = sendText(instance, "77051234567", "After reconnecting");
        eventually().during(Duration.ofMillis(800)).until(() -> "queued".equals(status(id)));
        assertThat(sendsTo(instance)).isEmpty();

        connection(instance, "open");
        eventually().until(() -> "sent".equals(status(id)));
        var opened = jdbc.queryForObject("select state_changed_at from instance where name = ?", java.sql.Timestamp.class, instance);
        assertThat(Duration.between(opened.toInstant(), sendsTo(instance).get(0).getLoggedDate().toInstant()))
                .isGreaterThanOrEqualTo(Duration.ofMillis(1000));
    }

    @Test
    void anInstanceThatReconnectsThroughConnectingSendsAgainAndTheCrmHearsEveryState() {
        reconnects("connecting");
    }

    @Test
    void anInstanceThatReconnectsAfterACloseSendsAgainAndTheCrmHearsEveryState() {
        reconnects("close");
    }

    /** open -> {@code between} -> open, each body retried once as Evolution does; sending stops and resumes. */
    private void reconnects(String between) {
        String instance = uniqueInstance();
        evolutionSends(instance);
        List<ObjectNode> posted = new ArrayList<>();
        posted.add(connection(instance, "open"));
        posted.add(connection(instance, between));
        eventually().until(() -> count("select count(*) from instance where name = ? and state = ?", instance,
                between) == 1);
        String waiting = sendText(instance, "77051234567", "While reconnecting");
        eventually().during(Duration.ofMillis(500)).until(() -> "queued".equals(status(waiting)));
        posted.add(connection(instance, "open"));

        eventually().until(() -> "sent".equals(status(waiting)));
        assertThat(sendsTo(instance)).hasSize(1);
        for (ObjectNode body : posted) {
            var retry = webhooks.post(body);
            assertThat(retry.status()).as("exact retry of " + body.path("data").path("state")).isEqualTo(200);
        }
        assertThat(count("select count(*) from inbound_event where instance = ? and event_type = 'connection.update'",
                instance)).isEqualTo(3);
        eventually().until(() -> crmEventsOf(instance).stream()
                .filter(e -> e.path("type").asText().equals("instance.connection")).count() == 3);
        assertThat(crmEventsOf(instance).stream().filter(e -> e.path("type").asText().equals("instance.connection"))
                .map(e -> e.path("connection").path("state").asText()))
                .containsExactly("open", between, "open");
    }

    @Test
    void connectionClosedHoldsTheInstanceWithoutFailingOrCountingAgainstIt() {
        String instance = uniqueInstance();
        String scenario = "closed-" + instance;
        EVOLUTION.stubFor(post(urlPathMatching("/message/sendText/" + instance)).inScenario(scenario)
                .whenScenarioStateIs(STARTED)
                .willReturn(evolutionError(400, "Bad Request", "[\"Error: Connection Closed\"]"))
                .willSetStateTo("reconnected"));
        EVOLUTION.stubFor(post(urlPathMatching("/message/sendText/" + instance)).inScenario(scenario)
                .whenScenarioStateIs("reconnected").willReturn(sent()));

        String id = sendText(instance, "77051234567", "Sent once the phone is back");

        eventually().until(() -> "sent".equals(status(id)));
        assertThat(sendsTo(instance)).hasSize(2);
        JsonNode sent = message(id);
        assertThat(sent.path("attempts").asInt()).isEqualTo(1);
        assertThat(sent.path("history").findValuesAsText("reasonCode")).contains("instance_disconnected");
        assertThat(jdbc.queryForObject("select consecutive_failures from outbound_instance where instance = ?",
                Integer.class, instance)).isZero();
    }

    @Test
    void anInstanceEvolutionDoesNotKnowFailsAsAConfigurationErrorShownInHealthWithoutPausingAnything() {
        String instance = uniqueInstance();
        evolutionAnswers(instance, evolutionError(404, "Not Found", "[\"The \\\"" + instance + "\\\" instance does not exist\"]"));

        String id = sendText(instance, "77051234567", "Wrong instance");

        eventually().until(() -> "failed".equals(status(id)));
        assertThat(message(id).path("reasonCode").asText()).isEqualTo("configuration");
        assertThat(message(id).path("reason").asText()).contains("(404)");
        assertThat(count("select count(*) from outbound_instance where instance = ? and paused_at is not null", instance))
                .isZero();
        JsonNode outbound = webhooks.get("/actuator/health", "Authorization", "Bearer " + API_TOKEN).json().path("components").path("outbound");
        assertThat(outbound.path("status").asText()).isEqualTo("DEGRADED");
        assertThat(outbound.path("details").path("unknownInstances").toString()).contains(instance);
    }

    @Test
    void statusesThatArriveBeforeTheMessageIsKnownAsOursAreNotLost() {
        String instance = uniqueInstance();
        evolutionAnswers(instance, sent().withFixedDelay(3500));
        String id = sendText(instance, "77051234567", "Read before confirmed");
        // the window may already have turned it to failed (unconfirmed): confirmation still counts then
        eventually().until(() -> message(id).path("history").findValuesAsText("status").contains("unknown"));

        webhooks.post(statusUpdate(instance, "3EB0EARLYREAD", "READ"));
        eventually().until(() -> count("select count(*) from message_status where instance = ? and wa_message_id = ?",
                instance, "3EB0EARLYREAD") == 1);
        ObjectNode confirmation = sample("send.message.text.json", instance);
        confirmation.with("data").with("key").put("id", "3EB0EARLYREAD").put("remoteJid", "77051234567@s.whatsapp.net");
        confirmation.with("data").with("message").put("conversation", "Read before confirmed");
        webhooks.post(confirmation);

        eventually().until(() -> "read".equals(status(id)));
        assertThat(message(id).path("waMessageId").asText()).isEqualTo("3EB0EARLYREAD");
    }

    @Test
    void aNumberThatStaysDisconnectedIsPausedInsteadOfTriedForever() {
        String instance = uniqueInstance();
        evolutionAnswers(instance, evolutionError(400, "Bad Request", "[\"Error: Connection Closed\"]"));

        String id = sendText(instance, "77051234567", "Waiting for the phone");

        // the instance's row exists only once its first send is decided: until then there is nothing to read
        eventually().until(() -> jdbc.queryForList(
                "select pause_reason_code from outbound_instance where instance = ?", String.class, instance)
                .contains("disconnected"));
        assertThat(status(id)).isEqualTo("queued");
        assertThat(message(id).path("attempts").asInt()).isZero();
        assertThat(sendsTo(instance)).hasSize(3);
    }

    @Test
    void aServerErrorAnsweredAfterSendMessageConfirmedTheSendChangesNothing() {
        String instance = uniqueInstance();
        // Evolution sends, posts send.message, then fails its own HTTP answer
        evolutionAnswers(instance, evolutionError(500, "Internal Server Error", "\"socket hang up\"").withFixedDelay(1800));

        String id = sendText(instance, "77051234567", "Sent despite the 500");
        eventually().until(() -> sendsTo(instance).size() == 1);
        ObjectNode confirmation = sample("send.message.text.json", instance);
        confirmation.with("data").with("key").put("id", "3EB0BEFORE500").put("remoteJid", "77051234567@s.whatsapp.net");
        confirmation.with("data").with("message").put("conversation", "Sent despite the 500");
        webhooks.post(confirmation);

        eventually().until(() -> "sent".equals(status(id))
                && message(id).path("history").findValuesAsText("status").contains("sent"));
        eventually().during(Duration.ofMillis(1500)).until(() -> "sent".equals(status(id)));
        assertThat(message(id).path("waMessageId").asText()).isEqualTo("3EB0BEFORE500");
        assertThat(sendsTo(instance)).hasSize(1);
        assertThat(jdbc.queryForObject("select consecutive_failures from outbound_instance where instance = ?",
                Integer.class, instance)).isZero();
    }

    private static ObjectNode statusUpdate(String instance, String waId, String status) {
        ObjectNode update = sample("messages.update.delivery-ack.json", instance);
        update.with("data").put("keyId", waId).put("status", status).put("fromMe", true)
                .put("remoteJid", "77051234567@s.whatsapp.net");
        return update;
    }
}
