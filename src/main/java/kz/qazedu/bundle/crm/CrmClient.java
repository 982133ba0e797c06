package kz.qazedu.bundle.crm;

import java.net.URI;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.stereotype.Component;

/**
 * The HTTP client that posts to the CRM ({@code CRM_URL}): non-blocking, keep-alive, at most
 * {@code CRM_CONCURRENCY} connections (requests beyond wait for one), {@code CRM_TIMEOUT_MS} to connect and for
 * the answer. It never retries on its own: the forwarder owns retries. Redirects are not followed.
 */
@Component
public class CrmClient implements DisposableBean {

    /** The CRM's answer: its status and {@code Retry-After}; the body is read and dropped. */
    public record Answer(int status, String retryAfter) {
    }

    private final Vertx vertx;
    private final HttpClient client;
    private final URI url;
    private final long timeoutMs;

    public CrmClient(CrmSettings settings) {
        this.url = URI.create(settings.url().trim());
        this.timeoutMs = settings.timeoutMs().toMillis();
        int concurrency = settings.concurrency();
        this.vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                .setInternalBlockingPoolSize(1));
        this.client = vertx.createHttpClient(
                new HttpClientOptions().setKeepAlive(true).setTcpNoDelay(true).setConnectTimeout((int) timeoutMs)
                        .setVerifyHost(true).setDecompressionSupported(false),
                new PoolOptions().setHttp1MaxSize(concurrency));
    }

    /** Posts one body with its headers; completes with the answer, or exceptionally without one. */
    public CompletableFuture<Answer> post(byte[] body, Map<String, String> headers) {
        RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setAbsoluteURI(url.toString())
                .setIdleTimeout(timeoutMs).setFollowRedirects(false);
        headers.forEach(options::putHeader);
        return client.request(options)
                // the body is asked for in the same turn as the response arrives: asked for later, it may be gone
                .compose(request -> request.send(Buffer.buffer(body))
                        .compose(response -> response.body().map(ignored -> answer(response))))
                .toCompletionStage().toCompletableFuture()
                .orTimeout(2 * timeoutMs, TimeUnit.MILLISECONDS); // a CRM that trickles its answer
    }

    private static Answer answer(HttpClientResponse response) {
        return new Answer(response.statusCode(), response.getHeader("Retry-After"));
    }

    @Override
    public void destroy() {
        client.close();
        vertx.close();
    }
}
