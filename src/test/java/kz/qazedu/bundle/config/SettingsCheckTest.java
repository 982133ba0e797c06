package kz.qazedu.bundle.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import kz.qazedu.bundle.BundleApplication;
import kz.qazedu.bundle.crm.CrmSettings;
import kz.qazedu.bundle.edge.HttpLimits;
import kz.qazedu.bundle.event.EventFamily;
import kz.qazedu.bundle.event.TopicSettings;
import kz.qazedu.bundle.inbound.WebhookSettings;
import kz.qazedu.bundle.outbound.OutboundSettings;
import kz.qazedu.bundle.runtime.BrokerSettings;
import kz.qazedu.bundle.support.TestSettings;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * Every settings record of the bundle, bound from application.properties the way the application starts: the
 * defaults bind cleanly, and bad variables stop the start with one message that lists them all.
 */
class SettingsCheckTest {

    /** The secrets have no default; production refuses to start without them. */
    private static final String[] SECRETS = {"WEBHOOK_TOKEN=a-webhook-token", "CRM_WEBHOOK_SECRET=a-crm-secret"};

    @Configuration(proxyBeanMethods = false)
    @ConfigurationPropertiesScan(basePackageClasses = BundleApplication.class)
    @Import(SettingsCheck.class)
    static class EverySetting {
    }

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withInitializer(new ConfigDataApplicationContextInitializer())
            .withUserConfiguration(EverySetting.class);

    @Test
    void theDefaultsBindCleanlyWithTheirDocumentedUnits() {
        runner.withPropertyValues(SECRETS).run(context -> {
            assertThat(context).hasNotFailed();
            OutboundSettings outbound = context.getBean(OutboundSettings.class);
            assertThat(outbound.gapMin()).isEqualTo(Duration.ofSeconds(5));
            assertThat(outbound.typingPerChar()).isEqualTo(Duration.ofMillis(40));
            assertThat(outbound.retrySchedule()).containsExactly(Duration.ofSeconds(30), Duration.ofMinutes(2),
                    Duration.ofMinutes(10), Duration.ofMinutes(30));
            CrmSettings crm = context.getBean(CrmSettings.class);
            assertThat(crm.retrySchedule()).containsExactly(Duration.ofSeconds(5), Duration.ofMinutes(5),
                    Duration.ofMinutes(30), Duration.ofHours(2), Duration.ofHours(5), Duration.ofHours(10),
                    Duration.ofHours(10));
            assertThat(crm.timeoutMs()).isEqualTo(Duration.ofSeconds(10));
            assertThat(crm.retention()).isEqualTo(Duration.ofHours(720));
            assertThat(crm.excludedEvents()).contains("presence.update", "messages.set");
            assertThat(context.getBean(WebhookSettings.class).jwtMaxLifetime()).isEqualTo(Duration.ofSeconds(600));
            assertThat(context.getBean(HttpLimits.class).headerTimeout()).isEqualTo(Duration.ofSeconds(10));
            assertThat(context.getBean(BrokerSettings.class).redelivery().initialDelayMs())
                    .isEqualTo(Duration.ofSeconds(1));
            TopicSettings topics = context.getBean(TopicSettings.class);
            for (EventFamily family : EventFamily.values()) {
                assertThat(topics.of(family)).as(family.name()).startsWith("VirtualTopic.");
            }
            assertThat(topics.of(EventFamily.OTHER)).isEqualTo("VirtualTopic.evolution.other");
        });
    }

    @Test
    void badVariablesOfTwoFeaturesStopTheStartWithOneMessageNamingBoth() {
        runner.withPropertyValues(SECRETS).withPropertyValues("CRM_BATCH_SIZE=-1", "OUTBOUND_GAP_MIN=soon")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(context.getStartupFailure()).isInstanceOf(InvalidSettingsException.class);
                    InvalidSettingsException failure = (InvalidSettingsException) context.getStartupFailure();
                    assertThat(failure.problems()).containsExactlyInAnyOrder(
                            "CRM_BATCH_SIZE (bundle.crm.batch-size) = -1: must be at least 1",
                            "OUTBOUND_GAP_MIN (bundle.outbound.gap-min) = soon: must be a duration such as 250ms, 5s,"
                                    + " 2m, 1h or PT5S (a bare number is seconds)");
                    assertThat(failure.getMessage()).startsWith("Invalid configuration, 2 settings to fix:")
                            .contains(failure.problems());
                });
    }

    @Test
    void everyProblemOfOneFeatureIsListedToo() {
        runner.withPropertyValues(SECRETS)
                .withPropertyValues("OUTBOUND_SENDERS=many", "OUTBOUND_UNCONFIRMED_ACTION=retry",
                        "OUTBOUND_PACING_OVERRIDES=clinic-01: dailyCap=lots")
                .run(context -> {
                    List<String> problems = ((InvalidSettingsException) context.getStartupFailure()).problems();
                    assertThat(problems).hasSize(3);
                    assertThat(problems.get(0))
                            .isEqualTo("OUTBOUND_SENDERS (bundle.outbound.senders) = many: must be a whole number");
                    assertThat(problems.get(1)).startsWith("OUTBOUND_PACING_OVERRIDES (bundle.outbound.pacing-overrides)"
                            + " = clinic-01: dailyCap=lots: must be valid:").contains("not a whole number: 'lots'");
                    assertThat(problems.get(2)).isEqualTo("OUTBOUND_UNCONFIRMED_ACTION"
                            + " (bundle.outbound.unconfirmed-action) = retry: must be one of fail, resend");
                });
    }

    @Test
    void anEmptyTopicIsNamedByItsVariable() {
        runner.withPropertyValues(SECRETS).withPropertyValues("TOPIC_OTHER=")
                .run(context -> assertThat(((InvalidSettingsException) context.getStartupFailure()).problems())
                        .containsExactly("TOPIC_OTHER (bundle.topic.other) = (empty): must not be empty"));
    }

    @Test
    void settingsThatMustFitTogetherSayWhatTheyMustFit() {
        runner.withPropertyValues(SECRETS).withPropertyValues("OUTBOUND_GAP_MIN=40s", "HTTP_MAX_BODY_BYTES_IN_FLIGHT=1024")
                .run(context -> assertThat(((InvalidSettingsException) context.getStartupFailure()).problems())
                        .containsExactlyInAnyOrder(
                                "OUTBOUND_GAP_MIN (bundle.outbound.gap-min) = 40s: must not be longer than"
                                        + " bundle.outbound.gap-max (30s)",
                                "HTTP_MAX_BODY_BYTES_IN_FLIGHT (bundle.http.max-body-bytes-in-flight) = 1024: must be"
                                        + " at least bundle.http.max-body-bytes and bundle.http.api-max-body-bytes"
                                        + " (MAX_BODY_BYTES, API_MAX_BODY_BYTES)"));
    }

    @Test
    void theConsolesSettingsAreCheckedWithTheRest() {
        runner.withPropertyValues(SECRETS).withPropertyValues("EVENTS_PAGE_SIZE=500", "HAWTIO_ENABLED=true",
                        "HAWTIO_PASSWORD=", "CRM_BATCH_SIZE=0")
                .run(context -> {
                    List<String> problems = ((InvalidSettingsException) context.getStartupFailure()).problems();
                    assertThat(problems).hasSize(3);
                    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith(
                            "EVENTS_PAGE_SIZE (bundle.events.page-size) = 500: must be from 1 to"));
                    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith(
                            "HAWTIO_PASSWORD (bundle.hawtio.password)"));
                    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith(
                            "CRM_BATCH_SIZE (bundle.crm.batch-size) = 0: must be at least 1"));
                });
    }

    @Test
    void missingCredentialsAreNamed() {
        runner.withPropertyValues("CRM_WEBHOOK_SECRET=a-crm-secret", "BROKER_EMBEDDED_LISTEN=tcp://127.0.0.1:61616",
                        "BROKER_PASSWORD=a-broker-password")
                .run(context -> {
                    List<String> problems = ((InvalidSettingsException) context.getStartupFailure()).problems();
                    assertThat(problems).hasSize(2);
                    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith(
                            "WEBHOOK_TOKEN (bundle.webhook.token) = (empty): must be set, or bundle.webhook.jwt-secret"));
                    assertThat(problems).anySatisfy(p -> assertThat(p).startsWith(
                            "BROKER_EMBEDDED_LISTEN (bundle.broker.embedded-listen) = tcp://127.0.0.1:61616: must stay"
                                    + " empty unless"));
                });
    }

    @Test
    void aSecretsValueIsNeverShown() {
        var environment = TestSettings.environment("API_TOKEN=an-api-token", "BROKER_PASSWORD=a-broker-password",
                "EVOLUTION_API_KEY=an-evolution-key", "CRM_WEBHOOK_SECRET=a-crm-secret", "BROKER_USER=bundle");
        assertThat(SettingsCheck.shown(environment, "bundle.api.token")).isEqualTo("(hidden)");
        assertThat(SettingsCheck.shown(environment, "bundle.broker.password")).isEqualTo("(hidden)");
        assertThat(SettingsCheck.shown(environment, "bundle.evolution.api-key")).isEqualTo("(hidden)");
        assertThat(SettingsCheck.shown(environment, "bundle.crm.webhook-secret")).isEqualTo("(hidden)");
        assertThat(SettingsCheck.shown(environment, "bundle.broker.user")).isEqualTo("bundle");
        assertThat(SettingsCheck.shown(environment, "bundle.api.metrics-token")).isEqualTo("(empty)");
        assertThat(SettingsCheck.shown(environment, "bundle.no.such-key")).isEqualTo("(not set)");
    }

    @Test
    void theOverridesOfPacingAreCheckedAgainstTheDefaults() {
        runner.withPropertyValues(SECRETS).withPropertyValues("OUTBOUND_PACING_OVERRIDES=clinic-01: gapMin=1h")
                .run(context -> assertThat(((InvalidSettingsException) context.getStartupFailure()).problems())
                        .singleElement().asString()
                        .startsWith("OUTBOUND_PACING_OVERRIDES (bundle.outbound.pacing-overrides) = clinic-01: gapMin=1h:"
                                + " must be valid:")
                        .contains("instance clinic-01", "gapMin 1h is longer than gapMax 30s"));
    }

    @Test
    void bareNumbersKeepTheUnitEachSettingAlwaysHad() {
        OutboundSettings outbound = TestSettings.bind(OutboundSettings.class, "OUTBOUND_GAP_MIN=7",
                "OUTBOUND_RETRY_SCHEDULE=30, 120,PT1H");
        assertThat(outbound.gapMin()).isEqualTo(Duration.ofSeconds(7));
        assertThat(outbound.retrySchedule()).containsExactly(Duration.ofSeconds(30), Duration.ofSeconds(120),
                Duration.ofHours(1));
        CrmSettings crm = TestSettings.bind(CrmSettings.class, "CRM_TIMEOUT_MS=2500", "CRM_RETRY_SCHEDULE=1,2m");
        assertThat(crm.timeoutMs()).isEqualTo(Duration.ofMillis(2500));
        assertThat(crm.retrySchedule()).containsExactly(Duration.ofSeconds(1), Duration.ofMinutes(2));
        assertThat(TestSettings.bind(HttpLimits.class, "HTTP_RETRY_AFTER=5000").retryAfter())
                .isEqualTo(Duration.ofSeconds(5));
    }

    @Test
    void theVariableIsTheOneApplicationPropertiesReadsForTheKey() {
        var environment = TestSettings.environment("bundle.crm.batch-size=7");
        assertThat(SettingsCheck.variable(environment, "bundle.crm.batch-size")).isEqualTo("CRM_BATCH_SIZE");
        assertThat(SettingsCheck.variable(environment, "bundle.crm.enabled")).isEqualTo("CRM_FORWARDING");
        assertThat(SettingsCheck.variable(environment, "bundle.no.such-key")).isEqualTo("BUNDLE_NO_SUCH_KEY");
    }

    @Test
    void aFailedStartIsReportedAsTheListOfSettingsToFix() {
        InvalidSettingsException failure = new InvalidSettingsException(
                List.of("CRM_BATCH_SIZE (bundle.crm.batch-size) = -1: must be at least 1"));
        FailureAnalysis analysis = new InvalidSettingsFailureAnalyzer().analyze(new IllegalStateException(failure));
        assertThat(analysis.getDescription()).isEqualTo("Invalid configuration, 1 setting to fix:\n"
                + "  CRM_BATCH_SIZE (bundle.crm.batch-size) = -1: must be at least 1");
        assertThat(analysis.getAction()).contains("docs/configuration.md");
    }
}
