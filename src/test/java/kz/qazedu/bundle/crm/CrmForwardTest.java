package kz.qazedu.bundle.crm;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.matchingJsonPath;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.stubbing.Scenario.STARTED;
import static kz.qazedu.bundle.support.EvolutionSamples.JSON;
import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import jakarta.jms.Connection;
import jakarta.jms.Message;
import jakarta.jms.Session;
import kz.qazedu.bundle.BundleApplication;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.TestDatabase;
import org.apache.activemq.ActiveMQConnectionFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * routes/crm-forward.camel.yaml against a WireMock CRM: signed deliveries, retries, dead letters, Retry-After and
 * per-chat order. The context has a journal of its own (schema crm_forward) so that only its relay publishes.
 */
@DirtiesContext
class CrmForwardTest extends IntegrationTest {

    private static final String SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private static final WireMockServer CRM = new WireMockServer(WireMockConfiguration.options().dynamicPort());

    @Autowired
    ActiveMQConnectionFactory broker;

    @Autowired
    io.micrometer.core.instrument.MeterRegistry meters;

    @DynamicPropertySource
    static void crm(DynamicPropertyRegistry properties) {
        CRM.start();
        properties.add("bundle.crm.enabled", () -> "true");
        properties.add("bundle.crm.url", () -> "http://127.0.0.1:" + CRM.port() + "/evolution-events");
        properties.add("bundle.crm.webhook-secret", () -> SECRET);
        properties.add("spring.datasource.url", () -> TestDatabase.url("crm_forward"));
        properties.add("spring.flyway.schemas", () -> "crm_forward");
        properties.add("bundle.relay.lock-key", () -> "7318203");
        // every recovery acted on, whichever test's outage ended a moment before
        properties.add("bundle.crm.recovery-debounce", () -> "0s");
    }

    @AfterAll
    static void stopCrm() {
        CRM.stop();
    }

    @Test
    void deliversEachEventOnceSignedTheStandardWebhooksWay() throws Exception {
        String instance = uniqueInstance();
        crmAccepts(instance);

        String eventId = webhooks.post(sample("messages.upsert.text.json", instance)).json().path("eventId").asText();

        eventually().until(() -> requestsFor(instance).size() == 1
                && "delivered".equals(state(eventId)));
        LoggedRequest request = requestsFor(instance).get(0);
        assertThat(request.getHeader("webhook-id")).isEqualTo(eventId);
        assertThat(request.getHeader("Content-Type")).startsWith("application/json");
        assertThat(request.getHeader("X-Webhook-Token")).isNull();
        assertThat(verifySignature(request)).isTrue();

        JsonNode body = JSON.readTree(request.getBodyAsString());
        assertThat(body.path("id").asText()).isEqualTo(eventId);
        assertThat(body.path("type").asText()).isEqualTo("message.received");
        assertThat(body.path("chat").path("phone").asText()).isEqualTo("77051234567");
        assertThat(jdbc.queryForList("select status_code from crm_delivery_attempt_log where event_id = ?", Integer.class,
                eventId)).containsExactly(204);
    }

    @Test
    void serverErrorsAreRetriedWithTheSameIdUntilTheCrmAcceptsOnce() {
        String instance = uniqueInstance();
        String scenario = "recovering-" + instance;
        var matching = matchingJsonPath("$.instance", com.github.tomakehurst.wiremock.client.WireMock.equalTo(instance));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(500)).willSetStateTo("second"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs("second").willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));

        String eventId = webhooks.post(sample("connection.update.open.json", instance)).json().path("eventId").asText();

        eventually().until(() -> "delivered".equals(state(eventId)));
        assertThat(requestsFor(instance)).extracting(r -> r.getHeader("webhook-id")).containsOnly(eventId).hasSize(3);
        assertThat(jdbc.queryForList("select status_code from crm_delivery_attempt_log where event_id = ? order by attempt",
                Integer.class, eventId)).containsExactly(500, 503, 200);
    }

    @Test
    void aClientErrorDeadLettersAtOnceInTheTableAndOnTheBroker() throws Exception {
        String instance = uniqueInstance();
        CRM.stubFor(post(urlEqualTo("/evolution-events"))
                .withRequestBody(matchingJsonPath("$.instance", com.github.tomakehurst.wiremock.client.WireMock.equalTo(instance)))
                .willReturn(aResponse().withStatus(422).withBody("{\"error\":\"unknown instance\"}")));

        String eventId = webhooks.post(sample("qrcode.updated.json", instance)).json().path("eventId").asText();

        eventually().until(() -> "dead".equals(state(eventId)));
        assertThat(requestsFor(instance)).hasSize(1);
        Map<String, Object> dead = jdbc.queryForMap("select attempts, last_status, dead_at from crm_delivery where event_id = ?",
                eventId);
        assertThat(dead.get("attempts")).isEqualTo(1);
        assertThat(dead.get("last_status")).isEqualTo(422);
        try (Connection connection = broker.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Message copy = session.createConsumer(session.createQueue("DLQ.crm"), "eventId = '" + eventId + "'")
                    .receive(10_000);
            assertThat(copy).isNotNull();
        }
    }

    @Test
    void retryAfterIsHonoured() {
        String instance = uniqueInstance();
        String scenario = "throttled-" + instance;
        var matching = matchingJsonPath("$.instance", com.github.tomakehurst.wiremock.client.WireMock.equalTo(instance));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(429).withHeader("Retry-After", "2"))
                .willSetStateTo("open"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs("open").willReturn(aResponse().withStatus(200)));

        String eventId = webhooks.post(sample("connection.update.connecting.json", instance)).json().path("eventId").asText();

        eventually().until(() -> "delivered".equals(state(eventId)));
        List<LoggedRequest> requests = requestsFor(instance);
        assertThat(requests).hasSize(2);
        long waited = requests.get(1).getLoggedDate().getTime() - requests.get(0).getLoggedDate().getTime();
        assertThat(waited).as("the schedule says 200 ms, the CRM said 2 s").isGreaterThanOrEqualTo(1900);
    }

    @Test
    void whenTheCrmRecoversTheDeliveriesWaitingOutTheOutageAreDueAtOnce() {
        String instance = uniqueInstance();
        var chatA = matchingJsonPath("$.chat.phone", com.github.tomakehurst.wiremock.client.WireMock.equalTo("77000000011"));
        var chatB = matchingJsonPath("$.chat.phone", com.github.tomakehurst.wiremock.client.WireMock.equalTo("77000000012"));
        String scenarioA = "outage-a-" + instance;
        String scenarioB = "outage-b-" + instance;
        // chat A is told to come back in ten minutes; chat B fails once, then goes through
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(chatA).inScenario(scenarioA)
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "600")).willSetStateTo("up"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(chatA).inScenario(scenarioA)
                .whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));
        String idA = webhooks.post(message(instance, "77000000011@s.whatsapp.net", "A-" + instance))
                .json().path("eventId").asText();
        eventually().until(() -> requestsFor(instance).size() == 1);

        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(chatB).inScenario(scenarioB)
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(500)).willSetStateTo("up"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(chatB).inScenario(scenarioB)
                .whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));
        String idB = webhooks.post(message(instance, "77000000012@s.whatsapp.net", "B-" + instance))
                .json().path("eventId").asText();

        eventually().until(() -> "delivered".equals(state(idB)) && "delivered".equals(state(idA)));
    }

    @Test
    void whenTheCrmIsBackTheBacklogMovesWithinAProbeIntervalNotAtTheNextScheduledRetry() {
        String instance = uniqueInstance();
        String scenario = "probe-" + instance;
        var matching = matchingJsonPath("$.instance", com.github.tomakehurst.wiremock.client.WireMock.equalTo(instance));
        // the CRM goes down and asks for an hour; it is back a moment later
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs(STARTED)
                .willReturn(aResponse().withStatus(503).withHeader("Retry-After", "3600")).willSetStateTo("up"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));
        String chat = "77000000021@s.whatsapp.net";
        String first = webhooks.post(message(instance, chat, "P-1-" + instance)).json().path("eventId").asText();
        eventually().until(() -> requestsFor(instance).size() == 1);
        String second = webhooks.post(message(instance, chat, "P-2-" + instance)).json().path("eventId").asText();

        eventually().atMost(java.time.Duration.ofSeconds(20))
                .until(() -> "delivered".equals(state(first)) && "delivered".equals(state(second)));
        assertThat(requestsFor(instance)).extracting(r -> parse(r.getBodyAsString()).path("message").path("id").asText())
                .containsExactly("P-1-" + instance, "P-1-" + instance, "P-2-" + instance);
        assertThat(jdbc.queryForList("select status_code from crm_delivery_attempt_log where event_id = ? order by attempt",
                Integer.class, first)).containsExactly(503, 200);
    }

    @Test
    void aFailingChatKeepsItsOrderAndDoesNotHoldUpOtherChats() {
        String instance = uniqueInstance();
        String scenario = "chat-a-" + instance;
        var firstOfA = matchingJsonPath("$.message.id", com.github.tomakehurst.wiremock.client.WireMock.equalTo("A-1-" + instance));
        CRM.stubFor(post(urlEqualTo("/evolution-events"))
                .withRequestBody(matchingJsonPath("$.instance", com.github.tomakehurst.wiremock.client.WireMock.equalTo(instance)))
                .willReturn(aResponse().withStatus(200)));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(firstOfA).inScenario(scenario)
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(500)).willSetStateTo("once"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(firstOfA).inScenario(scenario)
                .whenScenarioStateIs("once").willReturn(aResponse().withStatus(500)).willSetStateTo("ok"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(firstOfA).inScenario(scenario)
                .whenScenarioStateIs("ok").willReturn(aResponse().withStatus(200)));

        webhooks.post(message(instance, "77000000001@s.whatsapp.net", "A-1-" + instance));
        webhooks.post(message(instance, "77000000001@s.whatsapp.net", "A-2-" + instance));
        webhooks.post(message(instance, "77000000002@s.whatsapp.net", "B-1-" + instance));
        webhooks.post(message(instance, "77000000002@s.whatsapp.net", "B-2-" + instance));

        eventually().until(() -> count("select count(*) from crm_delivery where instance = ? and state = 'delivered'",
                instance) == 4);
        List<String> order = requestsFor(instance).stream()
                .map(r -> JSON.valueToTree(parse(r.getBodyAsString())).path("message").path("id").asText()
                        .replace("-" + instance, ""))
                .toList();
        assertThat(order).containsSubsequence("A-1", "A-1", "A-1", "A-2");
        assertThat(order).containsSubsequence("B-1", "B-2");
        assertThat(order.indexOf("B-2")).as("chat B went on while chat A waited").isLessThan(order.lastIndexOf("A-1"));
        assertThat(order.indexOf("A-2")).isGreaterThan(order.lastIndexOf("A-1"));
    }

    @Test
    void aChatSendsSeveralDeliveriesARoundInOrderAndWaitsFromTheFirstThatMustBeRetried() {
        String instance = uniqueInstance();
        String chat = "77000000003@s.whatsapp.net";
        crmAccepts(instance);
        var tenth = matchingJsonPath("$.message.id", com.github.tomakehurst.wiremock.client.WireMock.equalTo("M-10-" + instance));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(tenth).inScenario("burst-" + instance)
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(503)).willSetStateTo("up"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(tenth).inScenario("burst-" + instance)
                .whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));

        // 40 events of one chat, all in the outbox at once: the relay hands them over in one round
        List<String> ids = new ArrayList<>();
        jdbc.execute((org.springframework.jdbc.core.ConnectionCallback<Void>) connection -> {
            connection.setAutoCommit(false);
            var template = new org.springframework.jdbc.core.JdbcTemplate(
                    new org.springframework.jdbc.datasource.SingleConnectionDataSource(connection, true));
            for (int i = 1; i <= 40; i++) {
                String messageId = "M-" + i + "-" + instance;
                ids.add(journal(template, instance, chat, messageId, message(instance, chat, messageId).toString()));
            }
            connection.commit();
            connection.setAutoCommit(true);
            return null;
        });

        eventually().until(() -> count("select count(*) from crm_delivery where instance = ? and state = 'delivered'",
                instance) == 40);
        List<String> expected = new ArrayList<>();
        for (int i = 1; i <= 40; i++) {
            expected.add("M-" + i);
            if (i == 10) {
                expected.add("M-10");
            }
        }
        List<String> order = requestsFor(instance).stream()
                .map(r -> parse(r.getBodyAsString()).path("message").path("id").asText().replace("-" + instance, ""))
                .toList();
        assertThat(order).as("in order, the refused one again before the rest").containsExactlyElementsOf(expected);
        // the deliveries claimed behind the refused one were given back untried: their one attempt is their first
        List<Map<String, Object>> attempts = jdbc.queryForList("""
                select event_id, attempt, status_code from crm_delivery_attempt_log
                 where event_id = any(?) order by attempted_at, attempt
                """, (Object) ids.toArray(String[]::new));
        assertThat(attempts).hasSize(41);
        assertThat(attempts).filteredOn(a -> a.get("event_id").equals(ids.get(9)))
                .extracting(a -> a.get("attempt"), a -> a.get("status_code"))
                .containsExactly(org.assertj.core.groups.Tuple.tuple(1, 503), org.assertj.core.groups.Tuple.tuple(2, 200));
        assertThat(attempts).filteredOn(a -> !a.get("event_id").equals(ids.get(9)))
                .extracting(a -> a.get("attempt")).containsOnly(1);
    }

    @Test
    void supportListsDeliveriesWithTheirAttemptsAndReplaysADeadLetterWithItsId() throws Exception {
        String instance = uniqueInstance();
        String scenario = "replay-" + instance;
        var matching = matchingJsonPath("$.instance", com.github.tomakehurst.wiremock.client.WireMock.equalTo(instance));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(400)).willSetStateTo("fixed"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs("fixed").willReturn(aResponse().withStatus(200)));
        String eventId = webhooks.post(sample("messages.upsert.text.json", instance)).json().path("eventId").asText();
        eventually().until(() -> "dead".equals(state(eventId)));

        var unauthorized = webhooks.get("/api/v1/crm/deliveries?instance=" + instance);
        assertThat(unauthorized.status()).isEqualTo(401);

        var listed = webhooks.get("/api/v1/crm/deliveries?state=dead&instance=" + instance,
                "Authorization", "Bearer test-api-token");
        assertThat(listed.status()).isEqualTo(200);
        JsonNode dead = listed.json().path("deliveries").path(0);
        assertThat(dead.path("eventId").asText()).isEqualTo(eventId);
        assertThat(dead.path("lastStatus").asInt()).isEqualTo(400);
        assertThat(dead.path("attemptLog").path(0).path("status").asInt()).isEqualTo(400);

        var replayed = webhooks.post("/api/v1/crm/deliveries/" + eventId + "/replay", "",
                "Authorization", "Bearer test-api-token");
        assertThat(replayed.status()).isEqualTo(202);
        eventually().until(() -> "delivered".equals(state(eventId)));
        assertThat(requestsFor(instance)).extracting(r -> r.getHeader("webhook-id")).containsExactly(eventId, eventId);

        var selection = webhooks.post("/api/v1/crm/deliveries/replay", "{\"eventIds\": [\"" + eventId + "\"]}",
                "Authorization", "Bearer test-api-token");
        assertThat(selection.json().path("replayed").asInt()).isEqualTo(1);
        eventually().until(() -> requestsFor(instance).size() == 3 && "delivered".equals(state(eventId)));
        assertThat(webhooks.post("/api/v1/crm/deliveries/replay", "{\"state\": \"lost\"}",
                "Authorization", "Bearer test-api-token").status()).isEqualTo(400);
    }

    @Test
    void pendingRetriesResumeWhenTheForwarderIsStoppedAndStarted() throws Exception {
        String instance = uniqueInstance();
        String scenario = "restart-" + instance;
        var matching = matchingJsonPath("$.instance", com.github.tomakehurst.wiremock.client.WireMock.equalTo(instance));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(500)).willSetStateTo("up"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));

        String eventId = webhooks.post(sample("messages.upsert.text.json", instance)).json().path("eventId").asText();
        eventually().until(() -> requestsFor(instance).size() == 1);
        camelContext.getRouteController().stopRoute("crm-forward");
        assertThat(state(eventId)).isEqualTo("pending");
        camelContext.getRouteController().startRoute("crm-forward");

        eventually().until(() -> "delivered".equals(state(eventId)));
        assertThat(requestsFor(instance)).hasSize(2);
    }

    @Test
    void aRestartedBundlePicksUpTheRetriesLeftPending() throws Exception {
        String instance = uniqueInstance();
        String scenario = "new-process-" + instance;
        var matching = matchingJsonPath("$.instance", com.github.tomakehurst.wiremock.client.WireMock.equalTo(instance));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs(STARTED).willReturn(aResponse().withStatus(500)).willSetStateTo("again"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs("again").willReturn(aResponse().withStatus(500)).willSetStateTo("up"));
        CRM.stubFor(post(urlEqualTo("/evolution-events")).withRequestBody(matching).inScenario(scenario)
                .whenScenarioStateIs("up").willReturn(aResponse().withStatus(200)));

        String eventId = webhooks.post(sample("messages.upsert.text.json", instance)).json().path("eventId").asText();
        eventually().until(() -> requestsFor(instance).size() == 1);
        camelContext.getRouteController().stopRoute("crm-forward");
        // the CRM has refused it once or twice so far: the retry is left pending when this "process" goes away
        assertThat(state(eventId)).isEqualTo("pending");
        try (ConfigurableApplicationContext restarted = new SpringApplicationBuilder(BundleApplication.class)
                .profiles("test")
                .run("--bundle.crm.enabled=true",
                        "--bundle.crm.url=http://127.0.0.1:" + CRM.port() + "/evolution-events",
                        "--bundle.crm.webhook-secret=" + SECRET,
                        "--spring.datasource.url=" + TestDatabase.url("crm_forward"),
                        "--spring.flyway.schemas=crm_forward",
                        "--bundle.relay.lock-key=7318203")) {
            eventually().until(() -> "delivered".equals(state(eventId)));
        } finally {
            camelContext.getRouteController().startRoute("crm-forward");
        }
        List<LoggedRequest> requests = requestsFor(instance);
        assertThat(requests).hasSize(3).extracting(r -> r.getHeader("webhook-id")).containsOnly(eventId);
        assertThat(jdbc.queryForList("select status_code from crm_delivery_attempt_log where event_id = ? order by attempt",
                Integer.class, eventId)).containsExactly(500, 500, 200);
    }

    @Test
    void anEventTheRelayCannotRecordIsSetAsideAloneAndEverythingAfterItFlows() {
        String instance = uniqueInstance();
        crmAccepts(instance);
        double deadBefore = meters.counter("bundle.events.dead", "stage", "relay").count();
        // accepted by an intake without identifier limits: a chat id no index can hold
        StringBuilder digits = new StringBuilder();
        java.util.Random random = new java.util.Random();
        while (digits.length() < 3000) {
            digits.append(Long.toHexString(random.nextLong()));
        }
        String hugeChat = digits + "@s.whatsapp.net";
        String poison = journal(instance, hugeChat, "POISON-" + instance,
                message(instance, hugeChat, "POISON-" + instance).toString());

        List<String> after = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            after.add(webhooks.post(message(instance, "7700000001" + i + "@s.whatsapp.net", "AFTER-" + i + "-" + instance))
                    .json().path("eventId").asText());
        }

        eventually().until(() -> after.stream().allMatch(id -> "delivered".equals(state(id))));
        eventually().until(() -> "dead".equals(state(poison)));
        assertThat(unpublished(instance)).isZero();
        assertThat(meters.counter("bundle.events.dead", "stage", "relay").count()).isEqualTo(deadBefore + 1);
        JsonNode listed = webhooks.get("/api/v1/crm/deliveries?state=dead&instance=" + instance,
                "Authorization", "Bearer test-api-token").json().path("deliveries");
        assertThat(listed).hasSize(1);
        assertThat(listed.path(0).path("eventId").asText()).isEqualTo(poison);
        assertThat(listed.path(0).path("lastError").asText()).contains("not published to the broker");
    }

    @Test
    void theEventsAfterOneTheRelaySetsAsideInItsOwnChatGoOnInOrder() {
        String instance = uniqueInstance();
        crmAccepts(instance);
        String chat = "77000000081@s.whatsapp.net";
        // a failure no one foresaw, bound to one event: the database refuses to record its delivery
        jdbc.execute("""
                create or replace function refuse_one_delivery() returns trigger language plpgsql as $$
                begin
                    if new.state = 'pending' and new.event_id in (select event_id from inbound_event
                                                                   where instance = '%s' and message_id = 'P-%s') then
                        raise exception 'this delivery cannot be recorded';
                    end if;
                    return new;
                end $$""".formatted(instance, instance));
        jdbc.execute("create trigger refuse_one_delivery before insert on crm_delivery for each row "
                + "execute function refuse_one_delivery()");
        String poison = journal(instance, chat, "P-" + instance, message(instance, chat, "P-" + instance).toString());
        try {
            List<String> later = new ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                later.add(webhooks.post(message(instance, chat, "L" + i + "-" + instance)).json().path("eventId").asText());
            }
            webhooks.post(message(instance, "77000000082@s.whatsapp.net", "OTHER-" + instance));

            eventually().until(() -> later.stream().allMatch(id -> "delivered".equals(state(id))));
            assertThat(state(poison)).isEqualTo("dead");
            assertThat(jdbc.queryForObject("select last_error from crm_delivery where event_id = ?", String.class, poison))
                    .contains("this delivery cannot be recorded");
            List<String> order = requestsFor(instance).stream()
                    .map(r -> parse(r.getBodyAsString()).path("message").path("id").asText().replace("-" + instance, ""))
                    .filter(id -> id.startsWith("L")).toList();
            assertThat(order).containsExactly("L1", "L2", "L3");
        } finally {
            jdbc.execute("drop trigger refuse_one_delivery on crm_delivery");
            jdbc.execute("drop function refuse_one_delivery()");
        }
    }

    @Test
    void anEventThatCannotBeMappedIsDeadLetteredAtOnceAndItsChatGoesOn() throws Exception {
        String instance = uniqueInstance();
        crmAccepts(instance);
        String chat = "77000000071@s.whatsapp.net";
        // accepted by an intake without a depth limit: one level deeper in the CRM event than JSON writers allow
        ObjectNode deep = message(instance, chat, "DEEP-" + instance);
        deep.with("data").with("message").put("nested", "DEEP");
        String payload = deep.toString().replace("\"DEEP\"", "{\"n\":".repeat(1000) + "{}" + "}".repeat(1000));
        String unmappable = journal(instance, chat, deep.path("data").path("key").path("id").asText(), payload);
        String next = webhooks.post(message(instance, chat, "NEXT-" + instance)).json().path("eventId").asText();

        eventually().until(() -> "delivered".equals(state(next)));
        assertThat(state(unmappable)).isEqualTo("dead");
        Map<String, Object> dead = jdbc.queryForMap("select attempts, last_error from crm_delivery where event_id = ?",
                unmappable);
        assertThat(dead.get("attempts")).isEqualTo(1);
        assertThat((String) dead.get("last_error")).contains("cannot be mapped");
        assertThat(requestsFor(instance)).extracting(r -> r.getHeader("webhook-id")).containsExactly(next);
        try (Connection connection = broker.createConnection()) {
            connection.start();
            Session session = connection.createSession(false, Session.AUTO_ACKNOWLEDGE);
            Message copy = session.createConsumer(session.createQueue("DLQ.crm"), "eventId = '" + unmappable + "'")
                    .receive(10_000);
            assertThat(copy).as("a copy of the stored event on the dead-letter queue").isNotNull();
        }
    }

    /** The CRM answers 204 to every event of the instance. */
    private static void crmAccepts(String instance) {
        CRM.stubFor(post(urlEqualTo("/evolution-events"))
                .withRequestBody(matchingJsonPath("$.instance", com.github.tomakehurst.wiremock.client.WireMock.equalTo(instance)))
                .willReturn(aResponse().withStatus(204)));
    }

    /** Stores an event in the journal directly, the way an older bundle's intake would have accepted it. */
    private String journal(String instance, String chat, String messageId, String payload) {
        return journal(jdbc, instance, chat, messageId, payload);
    }

    private static String journal(org.springframework.jdbc.core.JdbcTemplate jdbc, String instance, String chat,
                                  String messageId, String payload) {
        String eventId = "evt_" + java.util.UUID.randomUUID().toString().replace("-", "");
        jdbc.update("""
                with e as (insert into inbound_event (event_id, event_type, instance, chat_id, message_id, payload,
                                                      received_at)
                           values (?, 'messages.upsert', ?, ?, ?, ?::jsonb, now()) returning seq)
                insert into event_outbox (seq) select seq from e
                """, eventId, instance, chat, messageId, payload);
        return eventId;
    }

    private static ObjectNode message(String instance, String chat, String id) {
        ObjectNode body = sample("messages.upsert.text.json", instance);
        body.with("data").with("key").put("remoteJid", chat).put("id", id).remove("remoteJidAlt");
        return body;
    }

    private static JsonNode parse(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static List<LoggedRequest> requestsFor(String instance) {
        return CRM.findAll(postRequestedFor(urlEqualTo("/evolution-events"))
                .withRequestBody(matchingJsonPath("$.instance", com.github.tomakehurst.wiremock.client.WireMock.equalTo(instance))));
    }

    private String state(String eventId) {
        return jdbc.queryForList("select state from crm_delivery where event_id = ?", String.class, eventId)
                .stream().findFirst().orElse(null);
    }

    /** Standard Webhooks verification written from the specification, apart from the bundle's signer. */
    private static boolean verifySignature(LoggedRequest request) throws Exception {
        String signed = request.getHeader("webhook-id") + "." + request.getHeader("webhook-timestamp") + "."
                + request.getBodyAsString();
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec(Base64.getDecoder().decode(SECRET.substring("whsec_".length())), "HmacSHA256"));
        String expected = "v1," + Base64.getEncoder().encodeToString(mac.doFinal(signed.getBytes(StandardCharsets.UTF_8)));
        long age = Math.abs(System.currentTimeMillis() / 1000 - Long.parseLong(request.getHeader("webhook-timestamp")));
        return age < 300 && List.of(request.getHeader("webhook-signature").split(" ")).contains(expected);
    }
}
