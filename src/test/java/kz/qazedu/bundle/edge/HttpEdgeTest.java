package kz.qazedu.bundle.edge;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static kz.qazedu.bundle.support.WebhookClient.TOKEN;
import static kz.qazedu.bundle.support.WebhookClient.TOKEN_HEADER;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.RawHttp;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * The HTTP edge under attack (small limits, so that each attack is cheap to mount): credentials are checked before
 * a body is read, slow and idle connections are closed without delaying webhooks, connections, requests in flight
 * and body bytes in flight are bounded with 503 and Retry-After, and what the HTTP decoder refuses is answered in
 * JSON.
 */
@DirtiesContext
@TestPropertySource(properties = {
        "bundle.http.max-body-bytes=1048576",
        "bundle.http.api-max-body-bytes=65536",
        "bundle.http.max-body-bytes-in-flight=3145728",
        "bundle.http.max-connections=400",
        "bundle.http.max-requests-in-flight=40",
        "bundle.http.header-timeout=3s",
        "bundle.http.body-timeout=3s",
        "bundle.http.max-header-bytes=8192"})
class HttpEdgeTest extends IntegrationTest {

    private static final int MIB = 1024 * 1024;

    @Autowired
    MeterRegistry meters;

    private int port() {
        return httpPort(camelContext);
    }

    @Test
    void anUnauthenticatedRequestIsRefusedBeforeItsBodyIsRead() {
        for (String[] attempt : new String[][] {
                {"/webhook/evolution", "X-Nothing", "x"},
                {"/webhook/evolution?" + TOKEN_HEADER + "=" + TOKEN, "X-Nothing", "x"},
                {"/webhook/evolution/key/wrong", "X-Nothing", "x"},
                {"/api/v1/messages", "Authorization", "Bearer wrong"},
                {"/api/v1/messages?Authorization=Bearer%20test-api-token", "X-Nothing", "x"}}) {
            try (RawHttp http = RawHttp.connect(port())) {
                // a head announcing a body as large as allowed, and no body: the answer comes without it
                http.send(RawHttp.request("POST", attempt[0], Map.of(attempt[1], attempt[2],
                        "Content-Type", "application/json", "Content-Length", String.valueOf(60_000)), null));
                RawHttp.Response response = http.read();
                assertThat(response.status()).as(attempt[0]).isEqualTo(401);
                assertThat(response.json().path("error").asText()).isEqualTo("unauthorized");
                assertThat(response.headers().get("connection")).isEqualTo("close");
            }
        }
    }

    @Test
    void hundredsOfSlowOrIdleConnectionsAreClosedAndDoNotDelayWebhooks() throws Exception {
        double closedBefore = meters.counter("bundle.http.refused", "reason", "header_timeout").count();
        List<RawHttp> slow = new ArrayList<>();
        ScheduledExecutorService drip = Executors.newSingleThreadScheduledExecutor();
        try {
            for (int i = 0; i < 300; i++) {
                RawHttp http = RawHttp.connect(port(), Duration.ofSeconds(15));
                http.send("POST /webhook/evolution HTTP/1.1\r\nHost: 127.0.0.1\r\n" + TOKEN_HEADER + ": ");
                slow.add(http);
            }
            // a third of them keep sending a byte of their head now and then
            drip.scheduleAtFixedRate(() -> slow.subList(0, 100).forEach(http -> http.trySend(new byte[] {'x'})),
                    200, 200, TimeUnit.MILLISECONDS);

            String instance = uniqueInstance();
            for (int i = 0; i < 20; i++) {
                ObjectNode message = sample("messages.upsert.text.json", instance);
                message.with("data").with("key").put("id", "SLOW" + i);
                assertThat(webhooks.post(message).status()).isEqualTo(202);
            }

            for (RawHttp http : slow) {
                assertThat(http.closedByServer()).as("a slow connection is closed by the server").isTrue();
            }
            assertThat(meters.counter("bundle.http.refused", "reason", "header_timeout").count())
                    .isGreaterThanOrEqualTo(closedBefore + 300);
        } finally {
            drip.shutdownNow();
            slow.forEach(RawHttp::close);
        }
    }

    @Test
    void aConnectionBeyondTheCapIsClosedAtOnce() {
        List<RawHttp> open = new ArrayList<>();
        try {
            eventually().until(() -> meters.get("bundle.http.connections").gauge().value() == 0);
            for (int i = 0; i < 400; i++) {
                open.add(RawHttp.connect(port()));
            }
            eventually().until(() -> meters.get("bundle.http.connections").gauge().value() == 400);
            try (RawHttp beyond = RawHttp.connect(port(), Duration.ofSeconds(2))) {
                // closed long before the 3 s the others have to send their request
                assertThat(beyond.closedByServer()).isTrue();
            }
        } finally {
            open.forEach(RawHttp::close);
        }
        eventually().until(() -> meters.get("bundle.http.connections").gauge().value() == 0);
        assertThat(webhooks.post(sample("messages.upsert.text.json", uniqueInstance())).status()).isEqualTo(202);
    }

    @Test
    void parallelMaximumSizeUploadsBeyondTheByteBudgetAre503WithRetryAfter() {
        String instance = uniqueInstance();
        List<RawHttp> uploads = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                RawHttp http = RawHttp.connect(port());
                http.send(RawHttp.request("POST", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN,
                        "Content-Type", "application/json", "Content-Length", String.valueOf(MIB)), null));
                uploads.add(http);
            }
            eventually().until(() -> meters.get("bundle.http.body.bytes.in.flight").gauge().value() == 3.0 * MIB);

            RawHttp.Response refused = RawHttp.exchange(port(), RawHttp.request("POST", "/webhook/evolution",
                    Map.of(TOKEN_HEADER, TOKEN, "Content-Type", "application/json",
                            "Content-Length", String.valueOf(MIB)), null));
            assertThat(refused.status()).isEqualTo(503);
            assertThat(refused.headers()).containsEntry("retry-after", "5");
            assertThat(refused.json().path("error").asText()).isEqualTo("busy");

            for (int i = 0; i < uploads.size(); i++) {
                uploads.get(i).send(paddedMessage(instance, "BIG" + i, MIB));
                assertThat(uploads.get(i).read().status()).isEqualTo(202);
            }
        } finally {
            uploads.forEach(RawHttp::close);
        }
        eventually().until(() -> meters.get("bundle.http.body.bytes.in.flight").gauge().value() == 0);
        assertThat(count("select count(*) from inbound_event where instance = ?", instance)).isEqualTo(3);
    }

    @Test
    void requestsInFlightBeyondTheCapAre503WithRetryAfter() {
        String instance = uniqueInstance();
        List<RawHttp> waiting = new ArrayList<>();
        try {
            for (int i = 0; i < 40; i++) {
                RawHttp http = RawHttp.connect(port());
                byte[] body = paddedMessage(instance, "WAIT" + i, 2048);
                http.send(RawHttp.request("POST", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN,
                        "Content-Length", String.valueOf(body.length)), null));
                waiting.add(http);
            }
            eventually().until(() -> meters.get("bundle.http.requests.in.flight").gauge().value() == 40);
            RawHttp.Response busy = RawHttp.exchange(port(),
                    RawHttp.request("GET", "/actuator/health", Map.of(), null));
            assertThat(busy.status()).isEqualTo(503);
            assertThat(busy.headers()).containsKey("retry-after");
            assertThat(busy.json().path("error").asText()).isEqualTo("busy");
            assertThat(RawHttp.exchange(port(), RawHttp.request("GET", "/actuator/health/readiness", Map.of(), null))
                    .status()).as("readiness of a full server").isEqualTo(503);
            RawHttp.Response alive = RawHttp.exchange(port(),
                    RawHttp.request("GET", "/actuator/health/liveness", Map.of(), null));
            assertThat(alive.status()).as("a busy server is no reason to restart it").isEqualTo(200);
            assertThat(alive.json().path("status").asText()).isEqualTo("UP");

            for (int i = 0; i < waiting.size(); i++) {
                waiting.get(i).send(paddedMessage(instance, "WAIT" + i, 2048));
                assertThat(waiting.get(i).read().status()).isEqualTo(202);
            }
        } finally {
            waiting.forEach(RawHttp::close);
        }
        assertThat(webhooks.get("/actuator/health").status()).isEqualTo(200);
    }

    @Test
    void aBodyThatStopsArrivingClosesTheConnectionAndStoresNothing() {
        String instance = uniqueInstance();
        double before = meters.counter("bundle.http.refused", "reason", "body_timeout").count();
        byte[] body = paddedMessage(instance, "STALLED", 4096);
        try (RawHttp http = RawHttp.connect(port(), Duration.ofSeconds(15))) {
            http.send(RawHttp.request("POST", "/webhook/evolution", Map.of(TOKEN_HEADER, TOKEN,
                    "Content-Length", String.valueOf(body.length)), null));
            http.send(java.util.Arrays.copyOf(body, 100));
            assertThat(http.closedByServer()).isTrue();
        }
        assertThat(meters.counter("bundle.http.refused", "reason", "body_timeout").count()).isEqualTo(before + 1);
        assertThat(count("select count(*) from inbound_event where instance = ?", instance)).isZero();
    }

    @Test
    void whatTheHttpDecoderRefusesIsAnsweredInJson() {
        RawHttp.Response headers = RawHttp.exchange(port(), RawHttp.request("POST", "/webhook/evolution",
                Map.of(TOKEN_HEADER, TOKEN, "X-Padding", "p".repeat(9000)), new byte[0]));
        assertThat(headers.status()).isEqualTo(431);
        assertThat(headers.json().path("error").asText()).isEqualTo("headers_too_large");

        RawHttp.Response line = RawHttp.exchange(port(), RawHttp.request("GET", "/actuator/health?" + "q".repeat(5000),
                Map.of(), null));
        assertThat(line.status()).isEqualTo(414);
        assertThat(line.json().path("error").asText()).isEqualTo("uri_too_long");

        RawHttp.Response garbage = RawHttp.exchange(port(), "NOT HTTP AT ALL\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        assertThat(garbage.status()).isEqualTo(400);
        assertThat(garbage.json().path("error").asText()).isEqualTo("invalid_request");
    }

    /** A valid messages.upsert of exactly {@code size} bytes. */
    private static byte[] paddedMessage(String instance, String id, int size) {
        ObjectNode message = sample("messages.upsert.text.json", instance);
        message.with("data").with("key").put("id", id);
        message.put("pad", "");
        int base = message.toString().getBytes(StandardCharsets.UTF_8).length;
        message.put("pad", "p".repeat(size - base));
        byte[] bytes = message.toString().getBytes(StandardCharsets.UTF_8);
        assertThat(bytes).hasSize(size);
        return bytes;
    }
}
