package kz.qazedu.bundle.instance;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.TestSettings;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * routes/instance-watch.camel.yaml: Evolution's answer to the bundle's key in health (shown beside readiness, not
 * counted), and per instance whether it is connected and how long since its latest event, as gauges.
 */
// its own context (own properties): closed after the class, so that its relay and broker do not take events of
// the tests that follow on the shared database
@DirtiesContext
class InstanceWatchTest extends IntegrationTest {

    private static final WireMockServer EVOLUTION = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    private static final String OPERATOR = "Bearer test-api-token";

    @Autowired
    InstanceWatch watch;
    @Autowired
    MeterRegistry meters;
    @Autowired
    org.apache.camel.ProducerTemplate calls;
    @Autowired
    InstanceAdmin admin;
    @Autowired
    kz.qazedu.bundle.event.BundleEvents events;

    @DynamicPropertySource
    static void evolution(DynamicPropertyRegistry properties) {
        if (!EVOLUTION.isRunning()) {
            EVOLUTION.start();
        }
        properties.add("bundle.evolution.url", () -> "http://127.0.0.1:" + EVOLUTION.port());
        properties.add("bundle.evolution.api-key", () -> "watch-key");
        properties.add("bundle.instances.watch-interval-ms", () -> "3600000");
        // the shared test database holds the instances of every test run
        properties.add("bundle.metrics.max-instances", () -> "1000000");
        properties.add("bundle.instances.silence-limit", () -> "4h");
    }

    @AfterAll
    static void stop() {
        EVOLUTION.stop();
    }

    @Test
    void evolutionAnsweringTheKeyIsUpAndRefusingItIsDegradedWithoutTouchingReadiness() {
        EVOLUTION.stubFor(get(urlEqualTo("/instance/fetchInstances")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("[{\"name\":\"a\"},{\"name\":\"b\"}]")));
        watch.check();

        JsonNode up = webhooks.get("/actuator/health", "Authorization", OPERATOR).json().path("components").path("evolution");
        assertThat(up.path("details").path("instances").asInt()).isEqualTo(2);
        assertThat(up.path("details").has("problem")).isFalse();

        EVOLUTION.stubFor(get(urlEqualTo("/instance/fetchInstances")).willReturn(aResponse().withStatus(401)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"status\":401,\"error\":\"Unauthorized\",\"response\":{\"message\":\"Unauthorized\"}}")));
        watch.check();

        JsonNode degraded = webhooks.get("/actuator/health", "Authorization", OPERATOR).json();
        assertThat(degraded.path("components").path("evolution").path("status").asText()).isEqualTo("DEGRADED");
        assertThat(degraded.path("components").path("evolution").path("details").path("problem").asText()).contains("401");
        var readiness = webhooks.get("/actuator/health/readiness", "Authorization", OPERATOR);
        assertThat(readiness.status()).isEqualTo(200);
        assertThat(readiness.json().path("status").asText()).isEqualTo("UP");
        assertThat(readiness.json().path("evolution").path("status").asText()).isEqualTo("DEGRADED");
    }

    @Test
    void anOpenInstanceSilentBeyondTheLimitIsToldToTheCrmAndHealthOnceThenAgainWhenItTalks() {
        String name = "silent-" + UUID.randomUUID().toString().substring(0, 8);
        jdbc.update("insert into instance (name, state, state_changed_at, last_event_at)"
                + " values (?, 'open', now() - interval '2 days', now() - interval '5 hours')", name);
        EVOLUTION.stubFor(get(urlEqualTo("/instance/fetchInstances")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("[]")));

        watch.check();
        watch.check();

        assertThat(silenceEvents(name, "silent")).hasSize(1);
        JsonNode event = silenceEvents(name, "silent").get(0);
        assertThat(event.path("data").path("action").asText()).isEqualTo("alerted");
        assertThat(event.path("data").path("silentSeconds").asLong()).isGreaterThanOrEqualTo(5 * 3600);
        JsonNode evolution = webhooks.get("/actuator/health", "Authorization", OPERATOR).json()
                .path("components").path("evolution");
        assertThat(evolution.path("status").asText()).isEqualTo("DEGRADED");
        assertThat(evolution.path("details").path("silentInstances").toString()).contains(name);

        webhooks.post(EvolutionSamples.textMessage(name, "77051234567@s.whatsapp.net", EvolutionSamples.newMessageId(), "hi"));
        eventually().until(() -> count("select count(*) from instance where name = ? and last_event_at > now() - interval '1 minute'", name) == 1);
        watch.check();

        assertThat(silenceEvents(name, "talking")).hasSize(1);
        assertThat(count("select count(*) from instance where name = ? and silent_since is null", name)).isEqualTo(1);
    }

    @Test
    void withTheRestartActionASilentInstanceIsRestartedAtEvolution() {
        String name = "stuck-" + UUID.randomUUID().toString().substring(0, 8);
        jdbc.update("insert into instance (name, state, last_event_at) values (?, 'open', now() - interval '1 day')", name);
        EVOLUTION.stubFor(post(urlEqualTo("/instance/restart/" + name)).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json")
                .withBody("{\"instance\":{\"instanceName\":\"" + name + "\",\"state\":\"open\"}}")));

        new InstanceWatchdog(jdbc, events, calls, admin, java.time.Clock.systemUTC(), meters,
                TestSettings.bind(InstanceSettings.class, "INSTANCE_SILENCE_LIMIT=4h", "INSTANCE_SILENCE_ACTION=restart"))
                .check();

        assertThat(EVOLUTION.findAll(postRequestedFor(urlEqualTo("/instance/restart/" + name)))).hasSize(1);
        assertThat(silenceEvents(name, "silent").get(0).path("data").path("action").asText()).isEqualTo("restarted");
        // out of the way of the other tests' health
        jdbc.update("update instance set removed_at = now(), silent_since = null where name = ?", name);
    }

    private java.util.List<JsonNode> silenceEvents(String instance, String state) {
        return jdbc.queryForList("select payload::text from inbound_event where instance = ? and event_type = 'bundle.instance.silence'",
                        String.class, instance).stream().map(EvolutionSamples::json)
                .filter(e -> state.equals(e.path("data").path("state").asText())).toList();
    }

    @Test
    void eachInstanceHasItsConnectionAndTheAgeOfItsLatestEventAsGauges() {
        String open = "watched-" + UUID.randomUUID().toString().substring(0, 8);
        String closed = "watched-" + UUID.randomUUID().toString().substring(0, 8);
        jdbc.update("insert into instance (name, state, last_event_at) values (?, 'open', now() - interval '90 seconds'),"
                + " (?, 'close', null)", open, closed);
        EVOLUTION.stubFor(get(urlEqualTo("/instance/fetchInstances")).willReturn(aResponse().withStatus(200)
                .withHeader("Content-Type", "application/json").withBody("[]")));

        watch.check();

        assertThat(meters.get("bundle.instance.connected").tags(Tags.of("instance", open)).gauge().value()).isEqualTo(1.0);
        assertThat(meters.get("bundle.instance.connected").tags(Tags.of("instance", closed)).gauge().value()).isZero();
        assertThat(meters.get("bundle.instance.last.event.age").tags(Tags.of("instance", open)).gauge().value())
                .isBetween(90.0, 3600.0);
        assertThat(meters.find("bundle.instance.last.event.age").tags(Tags.of("instance", closed)).gauge()).isNull();
    }
}
