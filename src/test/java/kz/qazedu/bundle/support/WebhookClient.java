package kz.qazedu.bundle.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import com.fasterxml.jackson.databind.JsonNode;

/** Posts webhooks to the running bundle over real HTTP, the way Evolution does. */
public final class WebhookClient {

    public static final String TOKEN = "test-webhook-token";
    public static final String TOKEN_HEADER = "X-Webhook-Token";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final int port;

    public WebhookClient(int port) {
        this.port = port;
    }

    /** Posts with the shared token header to {@code /webhook/evolution}. */
    public Reply post(JsonNode body) {
        return post("/webhook/evolution", body.toString(), TOKEN_HEADER, TOKEN);
    }

    public Reply post(String path, String body, String... headers) {
        return send(HttpRequest.newBuilder(uri(path))
                .POST(HttpRequest.BodyPublishers.ofString(body)), headers);
    }

    public Reply post(String path, byte[] body, String... headers) {
        return send(HttpRequest.newBuilder(uri(path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)), headers);
    }

    public Reply get(String path, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).GET(), headers);
    }

    public Reply delete(String path, String... headers) {
        return send(HttpRequest.newBuilder(uri(path)).DELETE(), headers);
    }

    public URI uri(String path) {
        return URI.create("http://127.0.0.1:" + port + path);
    }

    private Reply send(HttpRequest.Builder request, String... headers) {
        request.timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json");
        for (int i = 0; i < headers.length; i += 2) {
            request.setHeader(headers[i], headers[i + 1]);
        }
        try {
            HttpResponse<String> response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
            return new Reply(response.statusCode(), response.body(), response);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A response with its JSON body. */
    public record Reply(int status, String body, HttpResponse<String> response) {

        public JsonNode json() {
            try {
                return EvolutionSamples.JSON.readTree(body);
            } catch (IOException e) {
                throw new AssertionError("response is not JSON: " + body, e);
            }
        }
    }
}
