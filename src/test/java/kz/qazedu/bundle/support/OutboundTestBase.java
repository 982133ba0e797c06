package kz.qazedu.bundle.support;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import kz.qazedu.bundle.outbound.MediaUrls;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The bundle with outbound sending on, short pacing, a clock the test moves, and a WireMock Evolution that answers
 * sendText and sendMedia like Evolution 2.3 does (the same WireMock also takes the events forwarded to the CRM). The context has a schema of its own ({@code outbound}) so that
 * only its dispatcher sees its messages.
 */
@DirtiesContext
@Import(OutboundTestBase.TestClock.class)
public abstract class OutboundTestBase extends IntegrationTest {

    protected static final String API_TOKEN = "test-api-token";
    private static final AtomicLong OCCURRENCES = new AtomicLong();
    protected static final WireMockServer EVOLUTION = new WireMockServer(
            WireMockConfiguration.options().dynamicPort().globalTemplating(true));
    protected static final String EVOLUTION_KEY = "test-evolution-key";
    /** Instances with pacing of their own (OUTBOUND_PACING_OVERRIDES), named anew on every run. */
    protected static final String QUIET = "quiet-" + suffix();
    protected static final String CAPPED = "capped-" + suffix();
    protected static final String REPLIES_ONLY = "replies-" + suffix();

    @Autowired
    protected MutableClock clock;

    @DynamicPropertySource
    static void outbound(DynamicPropertyRegistry properties) {
        settings().forEach((key, value) -> properties.add(key, () -> value));
    }

    /** The settings of this context, for another bundle process that joins it (as {@code --key=value}). */
    protected static String[] asArguments() {
        return settings().entrySet().stream().map(e -> "--" + e.getKey() + "=" + e.getValue()).toArray(String[]::new);
    }

    private static Map<String, String> settings() {
        if (!EVOLUTION.isRunning()) {
            EVOLUTION.start();
            // the CRM: the same WireMock takes the forwarded events
            EVOLUTION.stubFor(post(urlPathMatching("/crm")).willReturn(aResponse().withStatus(204)));
        }
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("bundle.crm.enabled", "true");
        settings.put("bundle.crm.url", "http://127.0.0.1:" + EVOLUTION.port() + "/crm");
        settings.put("bundle.outbound.enabled", "true");
        settings.put("bundle.evolution.url", "http://127.0.0.1:" + EVOLUTION.port());
        settings.put("bundle.evolution.api-key", EVOLUTION_KEY);
        settings.put("bundle.evolution.timeout-ms", "2000");
        settings.put("bundle.outbound.max-per-minute", "120");
        settings.put("bundle.outbound.gap-min", "300ms");
        settings.put("bundle.outbound.gap-max", "600ms");
        settings.put("bundle.outbound.typing-per-char", "1ms");
        settings.put("bundle.outbound.typing-min", "50ms");
        settings.put("bundle.outbound.typing-max", "200ms");
        settings.put("bundle.outbound.recipient-gap", "1500ms");
        settings.put("bundle.outbound.quiet-hours", "none");
        settings.put("bundle.outbound.first-contact-daily-cap", "1000");
        settings.put("bundle.outbound.resume-delay", "1s");
        settings.put("bundle.outbound.resume-ramp-sends", "1");
        settings.put("bundle.outbound.retry-schedule", "200ms,200ms");
        settings.put("bundle.outbound.pause-after-failures", "3");
        settings.put("bundle.outbound.unconfirmed-window", "3s");
        settings.put("bundle.outbound.redispatch-after", "3s");
        settings.put("bundle.outbound.pacing-overrides", QUIET + ": quietHours=21:00-08:00; "
                + CAPPED + ": dailyCap=2; " + REPLIES_ONLY + ": firstContactDailyCap=0");
        settings.put("spring.datasource.url", TestDatabase.url("outbound"));
        settings.put("spring.flyway.schemas", "outbound");
        settings.put("bundle.relay.lock-key", "7318204");
        return settings;
    }

    @AfterEach
    void resetClock() {
        clock.reset();
    }

    @AfterAll
    static void stopEvolution() {
        EVOLUTION.stop();
    }

    protected static String suffix() {
        return UUID.randomUUID().toString().substring(0, 8);
    }

    /** Evolution's 201 to sendText/sendMedia of {@code instance}: the sent message with a new WhatsApp id. */
    protected static void evolutionSends(String instance) {
        evolutionAnswers(instance, sent());
    }

    protected static void evolutionAnswers(String instance, ResponseDefinitionBuilder answer) {
        EVOLUTION.stubFor(post(urlPathMatching("/message/send(Text|Media)/" + instance))
                .withHeader("apikey", equalTo(EVOLUTION_KEY))
                .willReturn(answer));
    }

    protected static ResponseDefinitionBuilder sent() {
        return aResponse().withStatus(201).withHeader("Content-Type", "application/json; charset=utf-8").withBody("""
                {"key":{"remoteJid":"{{jsonPath request.body '$.number'}}@s.whatsapp.net","fromMe":true,\
                "id":"3EB0{{randomValue length=18 type='ALPHANUMERIC' uppercase=true}}"},"pushName":"",\
                "status":"PENDING","message":{"conversation":"sent"},"contextInfo":null,\
                "messageType":"conversation","messageTimestamp":{{now format='epoch'}},\
                "instanceId":"7f3c2a9e-1b4d-4e8a-9c61-2d5f0e8b4a13","source":"unknown"}""");
    }

    protected static ResponseDefinitionBuilder evolutionError(int status, String error, String messageJson) {
        return aResponse().withStatus(status).withHeader("Content-Type", "application/json; charset=utf-8")
                .withBody("{\"status\":" + status + ",\"error\":\"" + error + "\",\"response\":{\"message\":"
                        + messageJson + "}}");
    }

    /** What Evolution received for the instance, oldest first. */
    protected static List<LoggedRequest> sendsTo(String instance) {
        return EVOLUTION.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(
                        urlPathMatching("/message/send(Text|Media)/" + instance))).stream()
                .sorted(java.util.Comparator.comparing(LoggedRequest::getLoggedDate))
                .toList();
    }

    /** The CRM events forwarded for the instance, in the order the CRM received them. */
    protected static List<JsonNode> crmEventsOf(String instance) {
        return EVOLUTION.findAll(com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor(urlPathMatching("/crm")))
                .stream()
                .sorted(java.util.Comparator.comparing(LoggedRequest::getLoggedDate))
                .map(r -> {
                    try {
                        return EvolutionSamples.JSON.readTree(r.getBodyAsString());
                    } catch (java.io.IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                })
                .filter(event -> instance.equals(event.path("instance").asText()))
                .toList();
    }

    protected WebhookClient.Reply send(ObjectNode request, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = "Authorization";
        all[1] = "Bearer " + API_TOKEN;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return webhooks.post("/api/v1/messages", request.toString(), all);
    }

    protected String sendText(String instance, String to, String text) {
        ObjectNode request = EvolutionSamples.JSON.createObjectNode();
        request.put("instance", instance).put("to", to).put("text", text);
        WebhookClient.Reply reply = send(request);
        if (reply.status() != 202) {
            throw new AssertionError("send refused: " + reply.status() + " " + reply.body());
        }
        return reply.json().path("id").asText();
    }

    protected JsonNode message(String id) {
        return webhooks.get("/api/v1/messages/" + id, "Authorization", "Bearer " + API_TOKEN).json();
    }

    protected String status(String id) {
        return message(id).path("status").asText();
    }

    /**
     * A connection.update webhook for the instance, as Evolution posts it: the same body for every occurrence of a
     * state but for a new {@code date_time}.
     *
     * @return the body posted, for a test that retries it
     */
    protected ObjectNode connection(String instance, String state) {
        ObjectNode event = EvolutionSamples.sample("connection.update.open.json", instance);
        event.with("data").put("state", state).put("instance", instance);
        event.put("date_time", Instant.now().plusNanos(OCCURRENCES.incrementAndGet() * 1_000_000L).toString());
        if (webhooks.post(event).status() != 202) {
            throw new AssertionError("connection.update not accepted");
        }
        return event;
    }

    @TestConfiguration(proxyBeanMethods = false)
    static class TestClock {

        @Bean
        @Primary
        MutableClock mutableClock() {
            return new MutableClock();
        }

        /** No name service here: the test media host is a public address, every other name is unknown. */
        @Bean
        @Primary
        MediaUrls.HostResolver testHostResolver() {
            return host -> {
                if (host.endsWith(".example.com")) {
                    return new java.net.InetAddress[] {java.net.InetAddress.getByName("93.184.215.14")};
                }
                return java.net.InetAddress.getAllByName(host);
            };
        }
    }
}
