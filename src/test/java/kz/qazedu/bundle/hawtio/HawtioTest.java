package kz.qazedu.bundle.hawtio;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import kz.qazedu.bundle.config.InvalidSettingsException;
import kz.qazedu.bundle.config.SettingsCheck;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.apache.activemq.broker.BrokerService;
import org.apache.camel.test.spring.junit5.DisableJmx;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.ConfigDataApplicationContextInitializer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationContext;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.NestedTestConfiguration;
import org.springframework.test.context.TestPropertySource;

/**
 * Hawtio on its own port (kz.qazedu.bundle.hawtio.HawtioServer): every path asks for the login; with it, Hawtio's
 * page and its Jolokia, which lists the Camel routes and the embedded broker's queues; the console's link
 * (routes/console-settings.camel.yaml); the bundle's own server answering as without Hawtio. And, in the shared
 * context of the other tests, Hawtio off by default: nothing of it runs or listens, and the console has no link.
 */
// its own context (own properties): closed after the class, so that its relay and broker do not take events of
// the tests that follow on the shared database
@DirtiesContext
// Camel's test support turns JMX off in every test context unless told otherwise: here the bundle's settings decide
@DisableJmx(false)
@TestPropertySource(properties = {
        "bundle.hawtio.enabled=true",
        "bundle.hawtio.host=127.0.0.1",
        "bundle.hawtio.port=0",
        "bundle.hawtio.user=hawtio-test",
        "bundle.hawtio.password=hawtio-test-password",
        "bundle.hawtio.public-url=https://hawtio.clinic.example/hawtio/"})
class HawtioTest extends IntegrationTest {

    private static final String LOGIN = "Basic " + Base64.getEncoder()
            .encodeToString("hawtio-test:hawtio-test-password".getBytes(StandardCharsets.UTF_8));
    private static final String WRONG_LOGIN = "Basic " + Base64.getEncoder()
            .encodeToString("hawtio-test:guess".getBytes(StandardCharsets.UTF_8));

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .followRedirects(HttpClient.Redirect.NEVER).build();

    @Autowired
    private HawtioServer hawtio;

    @Test
    void everyPathAsksForTheLogin() throws Exception {
        for (String path : List.of("/hawtio/", "/hawtio/index.html", "/hawtio/jolokia/version", "/jolokia/version",
                "/hawtio/plugin", "/", "/nothing-here")) {
            HttpResponse<String> anonymous = hawtio("GET", path, null, null);
            assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
            assertThat(anonymous.headers().firstValue("WWW-Authenticate")).as(path).hasValueSatisfying(
                    challenge -> assertThat(challenge).startsWith("Basic"));
            assertThat(hawtio("GET", path, WRONG_LOGIN, null).statusCode()).as(path).isEqualTo(401);
        }
        assertThat(hawtio("POST", "/hawtio/jolokia/", null, search("java.lang:type=Runtime")).statusCode()).isEqualTo(401);
    }

    @Test
    void withTheLoginHawtioAndItsJolokiaListTheRoutesAndTheBrokersQueues() throws Exception {
        HttpResponse<String> page = hawtio("GET", "/hawtio/index.html", LOGIN, null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValueSatisfying(type -> assertThat(type).startsWith("text/html"));
        assertThat(page.body()).containsIgnoringCase("<title>Hawtio</title>");

        HttpResponse<String> version = hawtio("GET", "/hawtio/jolokia/version", LOGIN, null);
        assertThat(version.statusCode()).isEqualTo(200);
        assertThat(EvolutionSamples.json(version.body()).path("value").path("agent").asText()).isNotBlank();

        List<String> routes = searched("org.apache.camel:type=routes,*");
        assertThat(routes).anySatisfy(name -> assertThat(name).contains("name=\"evolution-webhook-intake\""))
                .anySatisfy(name -> assertThat(name).contains("name=\"event-admin\""))
                .anySatisfy(name -> assertThat(name).contains("name=\"console-settings\""));
        List<String> queues = searched("org.apache.activemq:type=Broker,destinationType=Queue,*");
        assertThat(queues).anySatisfy(name -> assertThat(name)
                .contains("destinationName=Consumer.store.VirtualTopic.evolution.connection-update"));
    }

    @Test
    void aBrowsersSessionKeepsTheLogin() throws Exception {
        HttpResponse<String> login = hawtio("GET", "/hawtio/index.html", LOGIN, null);
        String session = login.headers().firstValue("Set-Cookie").orElseThrow().split(";", 2)[0];
        assertThat(session).startsWith("JSESSIONID=");

        // what Hawtio's page does next: ask who is logged in, then Jolokia, with the session's cookie
        assertThat(hawtio("GET", "/hawtio/user", null, null, "Cookie", session).statusCode()).isEqualTo(200);
        assertThat(hawtio("POST", "/hawtio/jolokia/", null, search("org.apache.camel:type=routes,*"), "Cookie", session)
                .statusCode()).isEqualTo(200);
        assertThat(hawtio("GET", "/hawtio/user", null, null, "Cookie", "JSESSIONID=forged").statusCode()).isEqualTo(401);
    }

    @Test
    void withoutAPasswordHawtioDoesNotStart() {
        new ApplicationContextRunner()
                .withInitializer(new ConfigDataApplicationContextInitializer())
                .withUserConfiguration(HawtioConfiguration.class, SettingsCheck.class)
                .withPropertyValues("HAWTIO_ENABLED=true", "HAWTIO_PORT=0", "HAWTIO_PASSWORD=")
                .run(context -> {
                    assertThat(context).hasFailed();
                    assertThat(((InvalidSettingsException) context.getStartupFailure()).problems()).singleElement()
                            .asString().startsWith("HAWTIO_PASSWORD (bundle.hawtio.password)")
                            .contains("must be set while Hawtio is on");
                });
    }

    @Test
    void aBrowserPostingFromAnotherSiteIsRefusedEvenWithTheLogin() throws Exception {
        String search = search("org.apache.camel:type=routes,*");

        assertThat(hawtio("POST", "/hawtio/jolokia/", LOGIN, search, "Sec-Fetch-Site", "cross-site").statusCode())
                .isEqualTo(403);
        assertThat(hawtio("POST", "/hawtio/jolokia/", LOGIN, search, "Sec-Fetch-Site", "same-origin").statusCode())
                .isEqualTo(200);
        assertThat(hawtio("GET", "/hawtio/jolokia/version", LOGIN, null, "Sec-Fetch-Site", "cross-site").statusCode())
                .isEqualTo(200);
    }

    @Test
    void theConsoleLinksToHawtio() {
        Reply settings = webhooks.get("/api/v1/console", "Authorization", "Bearer test-api-token");

        assertThat(settings.status()).isEqualTo(200);
        assertThat(settings.json().path("hawtioUrl").asText()).isEqualTo("https://hawtio.clinic.example/hawtio/");
        assertThat(webhooks.get("/api/v1/console").status()).isEqualTo(401);
    }

    @Test
    void theBundlesOwnServerAnswersAsWithoutHawtio() {
        Reply unauthorized = webhooks.get("/api/v1/instances");
        assertThat(unauthorized.status()).isEqualTo(401);
        assertThat(unauthorized.json().path("error").asText()).isEqualTo("unauthorized");
        assertThat(unauthorized.response().headers().firstValue("WWW-Authenticate")).isEmpty();
        assertThat(webhooks.get("/actuator/health").json().path("status").asText()).isEqualTo("UP");
        assertThat(webhooks.get("/hawtio/", "Authorization", LOGIN).status()).isEqualTo(401);
        assertThat(webhooks.get("/hawtio/", "Authorization", "Bearer test-api-token").status()).isEqualTo(404);
        assertThat(webhooks.post(EvolutionSamples.sample("messages.upsert.text.json",
                EvolutionSamples.uniqueInstance())).status()).isEqualTo(202);
    }

    /** The shared context of the other tests: the default settings. */
    @Nested
    @NestedTestConfiguration(NestedTestConfiguration.EnclosingConfiguration.OVERRIDE)
    class OffByDefault extends IntegrationTest {

        @Autowired
        private ApplicationContext context;

        @Test
        void nothingOfHawtioRunsOrListensAndTheConsoleHasNoLink() {
            assertThat(context.getBeanProvider(HawtioServer.class).getIfAvailable()).isNull();
            // (Camel's test support turns JMX off in this context anyway: the bundle's own setting is what counts)
            assertThat(context.getEnvironment().getProperty("camel.main.jmx-enabled", Boolean.class)).isFalse();
            assertThat(context.getBean(BrokerService.class).isUseJmx()).as("the embedded broker's JMX").isFalse();
            assertThatThrownBy(() -> {
                try (Socket socket = new Socket()) {
                    socket.connect(new InetSocketAddress("127.0.0.1", 8090), 2000);
                }
            }).as("nothing listens on HAWTIO_PORT's default").isInstanceOf(ConnectException.class);

            Reply settings = webhooks.get("/api/v1/console", "Authorization", "Bearer test-api-token");
            assertThat(settings.status()).isEqualTo(200);
            assertThat(settings.json().has("hawtioUrl")).isTrue();
            assertThat(settings.json().path("hawtioUrl").isNull()).isTrue();
        }
    }

    private List<String> searched(String pattern) throws Exception {
        HttpResponse<String> response = hawtio("POST", "/hawtio/jolokia/", LOGIN, search(pattern));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = EvolutionSamples.json(response.body());
        assertThat(body.path("status").asInt()).as(response.body()).isEqualTo(200);
        return StreamSupport.stream(body.path("value").spliterator(), false).map(JsonNode::asText).toList();
    }

    private static String search(String pattern) {
        return "{\"type\":\"search\",\"mbean\":\"" + pattern.replace("\"", "\\\"") + "\"}";
    }

    private HttpResponse<String> hawtio(String method, String path, String authorization, String body,
                                        String... headers) throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hawtio.port() + path))
                .timeout(Duration.ofSeconds(30))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        for (int i = 0; i < headers.length; i += 2) {
            request.header(headers[i], headers[i + 1]);
        }
        return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
