package kz.qazedu.bundle.instance;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.core.WireMockConfiguration;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.TestSettings;
import kz.qazedu.bundle.whatsapp.EvolutionSettings;
import org.apache.camel.ProducerTemplate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * routes/instance-reconcile.camel.yaml against a WireMock Evolution (fetchInstances, webhook/find and webhook/set
 * as Evolution 2.3.7 answers them): a webhook that drifted is set again, an instance without one is adopted, one
 * whose webhook is the bundle's is left alone, and one Evolution no longer has is marked removed.
 */
// its own context (own properties): closed after the class, so that its relay and broker do not take events of
// the tests that follow on the shared database
@DirtiesContext
class InstanceReconcileTest extends IntegrationTest {

    private static final WireMockServer EVOLUTION = new WireMockServer(WireMockConfiguration.options().dynamicPort());
    private static final String HOOK = "http://bundle.internal:8080/webhook/evolution";

    @Autowired
    InstanceReconciler reconciler;
    @Autowired
    ProducerTemplate calls;
    @Autowired
    InstanceWebhook webhook;
    @Autowired
    InstanceAdmin admin;
    @Autowired
    MeterRegistry meters;

    @DynamicPropertySource
    static void evolution(DynamicPropertyRegistry properties) {
        if (!EVOLUTION.isRunning()) {
            EVOLUTION.start();
            EVOLUTION.stubFor(get(urlEqualTo("/instance/fetchInstances")).willReturn(json("[]")));
        }
        properties.add("bundle.evolution.url", () -> "http://127.0.0.1:" + EVOLUTION.port());
        properties.add("bundle.evolution.api-key", () -> "reconcile-key");
        properties.add("bundle.public-url", () -> "http://bundle.internal:8080");
        properties.add("bundle.instances.reconcile", () -> "true");
        properties.add("bundle.instances.reconcile-interval-ms", () -> "3600000");
    }

    @AfterAll
    static void stop() {
        EVOLUTION.stop();
    }

    @Test
    void theRouteReconcilesSoonAfterStart() {
        eventually().until(() -> !EVOLUTION.findAll(getRequestedFor(urlEqualTo("/instance/fetchInstances"))).isEmpty());
    }

    @Test
    void driftedWebhooksAreSetAgainNewInstancesAdoptedAndVanishedOnesMarkedRemoved() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String good = "good-" + suffix;
        String drifted = "drifted-" + suffix;
        String bare = "bare-" + suffix;
        String gone = "gone-" + suffix;
        jdbc.update("insert into instance (name, state, managed_since) values (?, 'open', now()), (?, 'open', now())",
                drifted, gone);
        stubInstances(good, drifted, bare);
        EVOLUTION.stubFor(get(urlEqualTo("/webhook/find/" + good)).willReturn(json(webhook.config()
                .put("webhookByEvents", false).put("webhookBase64", false).toString())));
        EVOLUTION.stubFor(get(urlEqualTo("/webhook/find/" + drifted)).willReturn(json("""
                {"id":"cm5","url":"http://old-host:8080/webhook/evolution","headers":{},"enabled":true,
                 "events":["MESSAGES_UPSERT"],"webhookByEvents":false,"webhookBase64":false}""")));
        EVOLUTION.stubFor(get(urlEqualTo("/webhook/find/" + bare)).willReturn(json("null")));
        EVOLUTION.stubFor(post(urlPathMatching("/webhook/set/.*")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("{\"id\":\"cm6\",\"enabled\":true}")));

        InstanceReconciler.Pass pass = reconciler.reconcile();

        assertThat(pass.complete()).isTrue();
        assertThat(pass.repaired()).containsExactlyInAnyOrder(drifted, bare);
        assertThat(pass.removed()).contains(gone).doesNotContain(good, drifted, bare);
        assertThat(EVOLUTION.findAll(postRequestedFor(urlEqualTo("/webhook/set/" + good)))).isEmpty();
        var set = EVOLUTION.findAll(postRequestedFor(urlEqualTo("/webhook/set/" + drifted)));
        assertThat(set).isNotEmpty();
        assertThat(set.get(0).getHeader("apikey")).isEqualTo("reconcile-key");
        assertThat(EvolutionSamples.json(set.get(0).getBodyAsString()).path("webhook").path("url").asText()).isEqualTo(HOOK);
        assertThat(count("select count(*) from instance where name in (?, ?) and managed_since is not null", drifted, bare))
                .isEqualTo(2);
        assertThat(jdbc.queryForObject("select state from instance where name = ?", String.class, gone)).isEqualTo("removed");
        assertThat(jdbc.queryForObject("select owner_jid from instance where name = ?", String.class, good))
                .isEqualTo("77051234567@s.whatsapp.net");
    }

    @Test
    void withoutAdoptionOnlyTheBundlesOwnInstancesAreRepaired() {
        String suffix = UUID.randomUUID().toString().substring(0, 8);
        String mine = "mine-" + suffix;
        String theirs = "theirs-" + suffix;
        jdbc.update("insert into instance (name, managed_since) values (?, now())", mine);
        stubInstances(mine, theirs);
        EVOLUTION.stubFor(get(urlPathMatching("/webhook/find/(mine|theirs)-" + suffix)).willReturn(json("null")));
        EVOLUTION.stubFor(post(urlPathMatching("/webhook/set/.*")).willReturn(aResponse().withStatus(201)
                .withHeader("Content-Type", "application/json").withBody("{}")));

        InstanceReconciler.Pass pass = new InstanceReconciler(calls, webhook, admin, jdbc, meters,
                TestSettings.bind(InstanceSettings.class, "INSTANCE_ADOPT=false"),
                TestSettings.bind(EvolutionSettings.class, "EVOLUTION_API_KEY=reconcile-key")).reconcile();

        assertThat(pass.repaired()).containsExactly(mine);
        assertThat(EVOLUTION.findAll(getRequestedFor(urlEqualTo("/webhook/find/" + theirs)))).isEmpty();
    }

    @Test
    void withoutAnEvolutionKeyThereIsNothingToReconcile() {
        stubInstances("listed-" + UUID.randomUUID().toString().substring(0, 8));

        InstanceReconciler.Pass pass = new InstanceReconciler(calls, webhook, admin, jdbc, meters,
                TestSettings.bind(InstanceSettings.class, "INSTANCE_ADOPT=true"),
                TestSettings.bind(EvolutionSettings.class, "EVOLUTION_API_KEY=")).reconcile();

        assertThat(pass.complete()).isFalse();
        assertThat(pass.atEvolution()).isEmpty();
    }

    @Test
    void evolutionUnreachableEndsThePassWithoutMarkingAnythingRemoved() {
        String name = "kept-" + UUID.randomUUID().toString().substring(0, 8);
        jdbc.update("insert into instance (name, managed_since) values (?, now())", name);
        EVOLUTION.stubFor(get(urlEqualTo("/instance/fetchInstances")).willReturn(aResponse().withStatus(503)
                .withBody("{\"status\":503,\"error\":\"Service Unavailable\",\"response\":{\"message\":[\"down\"]}}")));

        InstanceReconciler.Pass pass = reconciler.reconcile();

        assertThat(pass.complete()).isFalse();
        assertThat(count("select count(*) from instance where name = ? and removed_at is null", name)).isEqualTo(1);
    }

    private static void stubInstances(String... names) {
        StringBuilder list = new StringBuilder("[");
        for (String name : names) {
            if (list.length() > 1) {
                list.append(',');
            }
            list.append("""
                    {"id":"%s","name":"%s","connectionStatus":"open","ownerJid":"77051234567@s.whatsapp.net",
                     "profileName":"Clinic","integration":"WHATSAPP-BAILEYS","token":"T","Setting":{},"_count":{}}"""
                    .formatted(UUID.randomUUID(), name));
        }
        EVOLUTION.stubFor(get(urlEqualTo("/instance/fetchInstances")).willReturn(json(list.append(']').toString())));
    }

    private static ResponseDefinitionBuilder json(String body) {
        return aResponse().withStatus(200).withHeader("Content-Type", "application/json; charset=utf-8").withBody(body);
    }
}
