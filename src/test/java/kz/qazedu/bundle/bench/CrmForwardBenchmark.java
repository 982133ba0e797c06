package kz.qazedu.bundle.bench;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import kz.qazedu.bundle.BundleApplication;
import kz.qazedu.bundle.support.IntegrationTest;
import org.HdrHistogram.Histogram;
import org.apache.camel.CamelContext;
import org.apache.camel.support.CamelContextHelper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * CRM forwarding with the whole bundle running: how long an accepted webhook takes to reach the CRM at a steady
 * rate, and how fast a backlog built up during a CRM outage drains once the CRM answers again.
 *
 * <p>Not a unit test: nothing is asserted on timings. It prints a report and writes it to
 * {@code target/benchmark/crm-<timestamp>.txt}. The CRM is a Vert.x HTTP server in this JVM that records when each
 * {@code webhook-id} first arrives and answers 200 (or 503 during the simulated outage).
 *
 * <p>Run it from the project directory:
 * <pre>
 *   mvn -B -Pbenchmark test -Dtest=CrmForwardBenchmark
 *   mvn -B -Pbenchmark test -Dtest=CrmForwardBenchmark -Dbench.crm.seconds=20 -Dbench.crm.backlog=20000
 * </pre>
 *
 * <p>System properties (defaults in brackets):
 * <ul>
 *   <li>{@code bench.crm.rate} [500]: requests per second of phase 1 (open loop, up to
 *       {@code bench.crm.max-in-flight} [200] in flight);</li>
 *   <li>{@code bench.crm.warmup.seconds} [10], {@code bench.crm.seconds} [30]: phase 1 warm-up and measured time;</li>
 *   <li>{@code bench.crm.backlog} [50000]: webhooks posted during the outage (phase 2), with
 *       {@code bench.crm.connections} [50] connections, closed loop;</li>
 *   <li>{@code bench.chats} [500]: distinct chats;</li>
 *   <li>{@code bench.crm.retry-schedule} [5s repeated 120 times]: passed to the bundle as
 *       {@code bundle.crm.retry-schedule}. The test profile's 200ms,200ms,200ms would dead-letter every chat's
 *       head delivery within a second of the outage, the production default (5s,5m,...) would park them for 5
 *       minutes after the outage; a long run of 5 s keeps them alive and retried during the whole outage.
 *       Empty ({@code -Dbench.crm.retry-schedule=}) keeps the test profile's;</li>
 *   <li>{@code bench.crm.database} [crm_bench]: database created afresh on the test profile's PostgreSQL server.</li>
 * </ul>
 */
@Tag("benchmark")
public class CrmForwardBenchmark {

    private static final String TOKEN = "test-webhook-token";
    private static final String SAMPLE = "messages.upsert.text.json";
    private static final String APP_NAME = "crm-benchmark";
    private static final long MAX_MICROS = TimeUnit.MINUTES.toMicros(30);
    private static final int REQUEST_TIMEOUT_MS = 60_000;
    private static final Pattern EVENT_ID = Pattern.compile("\"eventId\"\\s*:\\s*\"([^\"]+)\"");

    private final int rate = Integer.getInteger("bench.crm.rate", 500);
    private final int warmupSeconds = Integer.getInteger("bench.crm.warmup.seconds", 10);
    private final int seconds = Integer.getInteger("bench.crm.seconds", 30);
    private final int maxInFlight = Integer.getInteger("bench.crm.max-in-flight", 200);
    private final int backlog = Integer.getInteger("bench.crm.backlog", 50_000);
    private final int connections = Integer.getInteger("bench.crm.connections", 50);
    private final int chats = Integer.getInteger("bench.chats", 500);
    private final String retrySchedule = System.getProperty("bench.crm.retry-schedule",
            String.join(",", java.util.Collections.nCopies(120, "5s"))).trim();
    private final String database = System.getProperty("bench.crm.database", "crm_bench").trim();

    // ---- the CRM sink (its own event loop); first arrival per webhook-id, duplicates counted separately
    private final Map<String, Long> arrivals = new ConcurrentHashMap<>();
    private final AtomicLong sinkDuplicates = new AtomicLong();
    private final AtomicLong sinkRequests = new AtomicLong();
    private final AtomicLong sink503 = new AtomicLong();
    private volatile boolean outage;

    @Test
    void crmForwardBenchmark() throws Exception {
        run();
    }

    public static void main(String[] args) throws Exception {
        new CrmForwardBenchmark().run();
        System.exit(0);
    }

    void run() throws Exception {
        if (!Files.isDirectory(Path.of("routes"))) {
            System.err.println("WARNING: no ./routes directory here; run the benchmark from the project directory");
        }
        IntakeBenchmark.BodyTemplate template = IntakeBenchmark.BodyTemplate.load();
        String dbUrl = IntakeBenchmark.prepareDatabase(database);

        Vertx sinkVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        Vertx clientVertx = null;
        ConfigurableApplicationContext context = null;
        try {
            HttpServer sink = sinkVertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                    .requestHandler(req -> {
                        long now = System.nanoTime();
                        String id = req.getHeader("webhook-id");
                        sinkRequests.incrementAndGet();
                        boolean down = outage;
                        req.body().onComplete(ar -> {
                            if (down) {
                                sink503.incrementAndGet();
                                req.response().setStatusCode(503).end();
                                return;
                            }
                            if (id != null && arrivals.putIfAbsent(id, now) != null) {
                                sinkDuplicates.incrementAndGet();
                            }
                            req.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                                    .end("{\"ok\":true}");
                        });
                    })
                    .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
            int sinkPort = sink.actualPort();
            System.out.println("[bench] CRM sink listening on 127.0.0.1:" + sinkPort);

            List<String> args = new ArrayList<>(List.of(
                    "--bundle.crm.enabled=true",
                    "--bundle.crm.url=http://127.0.0.1:" + sinkPort + "/crm",
                    "--bundle.crm.webhook-secret=bench-secret",
                    "--spring.datasource.url=" + dbUrl));
            if (!retrySchedule.isEmpty()) {
                args.add("--bundle.crm.retry-schedule=" + retrySchedule);
            }
            long bootStart = System.nanoTime();
            context = new SpringApplicationBuilder(BundleApplication.class)
                    .main(BundleApplication.class)
                    .profiles("test")
                    .properties("spring.main.banner-mode=off",
                            "spring.datasource.hikari.data-source-properties.ApplicationName=" + APP_NAME)
                    .run(args.toArray(String[]::new));
            double bootSeconds = (System.nanoTime() - bootStart) / 1e9;
            CamelContext camel = context.getBean(CamelContext.class);
            int port = IntegrationTest.httpPort(camel);
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            Environment env = context.getEnvironment();

            clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                    .setInternalBlockingPoolSize(1));
            HttpClient client = clientVertx.createHttpClient(
                    new HttpClientOptions().setDefaultHost("127.0.0.1").setDefaultPort(port).setKeepAlive(true)
                            .setPipelining(false).setTcpNoDelay(true),
                    new PoolOptions().setHttp1MaxSize(Math.max(maxInFlight, connections)));
            Context clientContext = clientVertx.getOrCreateContext();
            String prefix = String.format("%08X", ThreadLocalRandom.current().nextInt());
            Bodies bodies = new Bodies(template, prefix, chats);
            Sender sender = new Sender(client, bodies);

            Report r = new Report();
            r.line("==================== CRM forwarding benchmark: webhook -> bundle -> CRM sink, whole bundle in-process ====================");
            r.line("date                 %s", LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
            r.line("machine              %d cores, JVM max heap %,d MB, java %s", Runtime.getRuntime().availableProcessors(),
                    Runtime.getRuntime().maxMemory() / (1024 * 1024), System.getProperty("java.version"));
            r.line("postgresql           %s, database %s (created afresh)",
                    jdbc.queryForObject("show server_version", String.class), dbUrl);
            r.line("bundle               profile test, started in %.1f s, HTTP port %d, CRM sink 127.0.0.1:%d (Vert.x, same JVM)",
                    bootSeconds, port, sinkPort);
            r.line("CRM settings         url %s, CRM_CONCURRENCY (bundle.crm.concurrency) %s, batch %s, poll every %s ms, timeout %s ms",
                    env.getProperty("bundle.crm.url"), env.getProperty("bundle.crm.concurrency"),
                    env.getProperty("bundle.crm.batch-size"), env.getProperty("bundle.crm.poll-interval-ms"),
                    env.getProperty("bundle.crm.timeout-ms"));
            r.line("retry schedule       bundle.crm.retry-schedule = %s", abbreviateSchedule(env.getProperty("bundle.crm.retry-schedule")));
            r.line("body                 messages.upsert text (%s), unique data.key.id, %d chats", template.source, chats);

            // ------------------------------------------------ phase 1: steady open-loop rate
            System.out.printf("%n[bench] phase 1: %d s warm-up + %d s measured at %d requests/s (open loop, <= %d in flight)%n",
                    warmupSeconds, seconds, rate, maxInFlight);
            OpenLoop open = new OpenLoop(clientVertx, clientContext, sender, rate, maxInFlight);
            open.run(warmupSeconds, seconds);
            long dupsBefore1 = sinkDuplicates.get();
            System.out.printf("[bench] phase 1 sent %d measured requests, %d accepted; waiting for the CRM sink (<= 120 s)%n",
                    open.measuredSent, open.measured.size());
            long waitStart = System.nanoTime();
            long missing1 = waitForArrivals(open.measured.keySet(), waitStart, 120, "phase 1");
            double wait1 = (System.nanoTime() - waitStart) / 1e9;
            Histogram latency = new Histogram(MAX_MICROS, 3);
            for (Map.Entry<String, Long> e : open.measured.entrySet()) {
                Long at = arrivals.get(e.getKey());
                if (at != null) {
                    latency.recordValue(Math.max(0, Math.min(MAX_MICROS, (at - e.getValue()) / 1000)));
                }
            }
            r.section("phase 1: accepted -> CRM received at a steady rate (measured part only)");
            r.line("load                 %d requests/s target, open loop (Vert.x periodic timer), %d s warm-up + %d s measured",
                    rate, warmupSeconds, seconds);
            r.line("sent                 %,d measured requests (%.0f/s achieved), %,d not sent because %d were in flight",
                    open.measuredSent, open.measuredSent / (double) seconds, open.skipped, maxInFlight);
            r.line("answers              %s, errors %s", open.statuses, open.errors.isEmpty() ? "0" : open.errors);
            r.line("intake latency ms    p50 %.2f   p99 %.2f   max %.2f   (request sent -> 202 answer)",
                    open.intake.getValueAtPercentile(50) / 1000.0, open.intake.getValueAtPercentile(99) / 1000.0,
                    open.intake.getMaxValue() / 1000.0);
            r.line("accepted             %,d", open.measured.size());
            r.line("delivered            %,d (reached the sink)", latency.getTotalCount());
            r.line("missing              %,d after waiting %.1f s from the end of the phase", missing1, wait1);
            r.line("duplicates at sink   %,d (all traffic so far, warm-up included)", dupsBefore1);
            r.line("latency ms           p50 %.1f   p90 %.1f   p99 %.1f   max %.1f   (mean %.1f)   accepted request sent -> CRM sink arrival",
                    latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(90) / 1000.0,
                    latency.getValueAtPercentile(99) / 1000.0, latency.getMaxValue() / 1000.0, latency.getMean() / 1000.0);

            // ------------------------------------------------ phase 2: backlog after an outage
            System.out.printf("%n[bench] phase 2: CRM outage (503); posting %,d webhooks with %d connections%n",
                    backlog, connections);
            outage = true;
            awaitNoAttemptInFlight(jdbc);
            Long pendingBefore = jdbc.queryForObject("select count(*) from crm_delivery where state = 'pending'", Long.class);
            long sink503Before = sink503.get();
            long outageStart = System.nanoTime();
            ClosedLoop closed = new ClosedLoop(clientContext, sender, backlog, connections);
            closed.run();
            double postSeconds = closed.elapsedNanos / 1e9;
            System.out.printf("[bench] %,d accepted in %.1f s; waiting for them in crm_delivery%n", closed.accepted.size(), postSeconds);
            long expectedPending = pendingBefore + closed.accepted.size();
            long recordStart = System.nanoTime();
            long[] lastPrint = {0};
            IntakeBenchmark.pollUntil(Duration.ofMillis(200), Duration.ofMinutes(10), () -> {
                long now = jdbc.queryForObject("select count(*) from crm_delivery where state = 'pending'", Long.class);
                long t = System.nanoTime();
                if (t - lastPrint[0] > TimeUnit.SECONDS.toNanos(5)) {
                    System.out.printf("[bench]   crm_delivery pending %,d of %,d%n", now, expectedPending);
                    lastPrint[0] = t;
                }
                return now >= expectedPending;
            });
            long pending = jdbc.queryForObject("select count(*) from crm_delivery where state = 'pending'", Long.class);
            double recordSeconds = (System.nanoTime() - recordStart) / 1e9;
            double outageSeconds = (System.nanoTime() - outageStart) / 1e9;
            Long attemptsDuringOutage = jdbc.queryForObject(
                    "select count(*) from crm_delivery_attempt where status_code = 503", Long.class);
            Long deadDuringOutage = jdbc.queryForObject("select count(*) from crm_delivery where state = 'dead'", Long.class);
            long dupsBefore2 = sinkDuplicates.get();

            System.out.printf("[bench] %,d pending in crm_delivery; CRM back (200), draining (<= 10 min)%n", pending);
            outage = false;
            long drainStart = System.nanoTime();
            long missing2 = waitForArrivals(closed.accepted, drainStart, 600, "phase 2 drain");
            long lastArrival = drainStart;
            for (String id : closed.accepted) {
                Long at = arrivals.get(id);
                if (at != null && at > lastArrival) {
                    lastArrival = at;
                }
            }
            double drainSeconds = (lastArrival - drainStart) / 1e9;
            long delivered2 = closed.accepted.size() - missing2;
            awaitNoAttemptInFlight(jdbc); // a late duplicate could only come from an attempt still under way
            Long dead = jdbc.queryForObject("select count(*) from crm_delivery where state = 'dead'", Long.class);
            Map<String, Long> states = new TreeMap<>();
            jdbc.query("select state, count(*) from crm_delivery group by state",
                    row -> { states.put(row.getString(1), row.getLong(2)); });

            r.section("phase 2: backlog built during a CRM outage, then drained");
            r.line("outage               sink answered 503 for %.1f s (%,d requests answered 503; %,d attempts with 503 in crm_delivery_attempt)",
                    outageSeconds, sink503.get() - sink503Before, attemptsDuringOutage);
            r.line("posted               %,d webhooks in %.1f s (%.0f/s), %d connections closed loop; answers %s, errors %s",
                    closed.sent, postSeconds, closed.sent / Math.max(postSeconds, 1e-9), connections, closed.statuses,
                    closed.errors.isEmpty() ? "0" : closed.errors);
            r.line("accepted             %,d", closed.accepted.size());
            r.line("recorded             crm_delivery pending %,d (expected %,d) %.1f s after the last answer; dead during outage %,d",
                    pending, expectedPending, recordSeconds, deadDuringOutage);
            r.line("drain                %,d of %,d delivered in %.1f s = %,.0f events/s (CRM back -> last first arrival)%s",
                    delivered2, closed.accepted.size(), drainSeconds, delivered2 / Math.max(drainSeconds, 1e-9),
                    missing2 > 0 ? ", " + missing2 + " MISSING after 10 min" : "");
            r.line("duplicates at sink   %,d during the drain (%,d in all)", sinkDuplicates.get() - dupsBefore2, sinkDuplicates.get());
            r.line("dead deliveries      %,d (select count(*) from crm_delivery where state='dead')%s", dead,
                    dead == 0 ? "" : "  <-- SHOULD BE 0");
            r.line("crm_delivery         %s", states);
            r.line("sink totals          %,d requests, %,d distinct webhook-ids received with 200", sinkRequests.get(), arrivals.size());
            r.section("verdict");
            List<String> problems = new ArrayList<>();
            if (missing1 > 0) problems.add(missing1 + " phase-1 events never reached the CRM");
            if (missing2 > 0) problems.add(missing2 + " backlog events never reached the CRM");
            if (dead > 0) problems.add(dead + " dead deliveries");
            if (sinkDuplicates.get() > 0) problems.add(sinkDuplicates.get() + " duplicate arrivals at the CRM");
            if (!open.errors.isEmpty() || !closed.errors.isEmpty()) problems.add("HTTP client errors");
            r.line(problems.isEmpty() ? "OK: everything delivered once, nothing dead" : "PROBLEMS: " + String.join("; ", problems));
            r.line("=".repeat(118));

            String text = r.toString();
            System.out.println();
            System.out.println(text);
            Path file = Path.of("target", "benchmark",
                    "crm-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
            System.out.println("[bench] report written to " + file.toAbsolutePath());
        } finally {
            if (context != null) {
                context.close();
            }
            for (Vertx v : new Vertx[] {clientVertx, sinkVertx}) {
                if (v != null) {
                    try {
                        v.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                    } catch (Exception e) {
                        System.err.println("[bench] vertx close: " + e);
                    }
                }
            }
        }
    }

    /** Waits until every id has arrived at the sink; returns how many are missing. Progress every 5 s. */
    private long waitForArrivals(Set<String> ids, long from, int timeoutSeconds, String what) {
        long[] lastPrint = {System.nanoTime()};
        IntakeBenchmark.pollUntil(Duration.ofMillis(50), Duration.ofSeconds(timeoutSeconds), () -> {
            long missing = missing(ids);
            long t = System.nanoTime();
            if (missing > 0 && t - lastPrint[0] >= TimeUnit.SECONDS.toNanos(5)) {
                System.out.printf("[bench]   %s: %.0f s, %,d of %,d arrived at the CRM sink (%,d missing)%n", what,
                        (t - from) / 1e9, ids.size() - missing, ids.size(), missing);
                lastPrint[0] = t;
            }
            return missing == 0;
        });
        return missing(ids);
    }

    private long missing(Set<String> ids) {
        long missing = 0;
        for (String id : ids) {
            if (!arrivals.containsKey(id)) {
                missing++;
            }
        }
        return missing;
    }

    /** Until no CRM delivery is leased for an attempt, i.e. no request to the sink is under way. */
    private static void awaitNoAttemptInFlight(JdbcTemplate jdbc) {
        IntakeBenchmark.pollUntil(Duration.ofMillis(50), Duration.ofSeconds(10), () -> jdbc.queryForObject(
                "select count(*) from crm_delivery where state = 'pending' and leased_until > now()", Long.class) == 0);
    }

    private static String abbreviateSchedule(String schedule) {
        if (schedule == null) {
            return "null";
        }
        String[] parts = schedule.split(",");
        if (parts.length <= 10) {
            return schedule;
        }
        Map<String, Integer> runs = new java.util.LinkedHashMap<>();
        StringBuilder b = new StringBuilder();
        String prev = null;
        int count = 0;
        for (String p : parts) {
            p = p.trim();
            if (p.equals(prev)) {
                count++;
            } else {
                if (prev != null) {
                    b.append(b.length() > 0 ? "," : "").append(prev).append(count > 1 ? " x" + count : "");
                }
                prev = p;
                count = 1;
            }
        }
        b.append(b.length() > 0 ? "," : "").append(prev).append(count > 1 ? " x" + count : "");
        return b + " (" + parts.length + " retries)";
    }

    // ------------------------------------------------------------------------------------------------ load

    /** Posts one webhook; everything on the client's event loop. */
    static final class Sender {
        private final HttpClient client;
        private final Bodies bodies;

        Sender(HttpClient client, Bodies bodies) {
            this.client = client;
            this.bodies = bodies;
        }

        io.vertx.core.Future<Reply> post() {
            byte[] body = bodies.next();
            RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST).setURI("/webhook/evolution")
                    .setIdleTimeout(REQUEST_TIMEOUT_MS)
                    .putHeader("Content-Type", "application/json").putHeader("X-Webhook-Token", TOKEN);
            return client.request(options)
                    .compose(request -> request.send(Buffer.buffer(body)))
                    .compose(response -> response.body().map(reply -> new Reply(response.statusCode(), reply.toString())));
        }
    }

    record Reply(int status, String body) {
        String eventId() {
            Matcher m = EVENT_ID.matcher(body);
            return status == 202 && m.find() ? m.group(1) : null;
        }
    }

    /** Open loop: a 1 ms periodic timer sends whatever the rate says is due, whether or not answers came back. */
    static final class OpenLoop {
        private final Vertx vertx;
        private final Context context;
        private final Sender sender;
        private final int rate;
        private final int maxInFlight;
        final Map<String, Long> measured = new ConcurrentHashMap<>();
        final Map<Integer, Long> statuses = new TreeMap<>();
        final Map<String, Long> errors = new TreeMap<>();
        final Histogram intake = new Histogram(MAX_MICROS, 3);
        long measuredSent;
        long skipped;
        private long due;
        private int inFlight;

        OpenLoop(Vertx vertx, Context context, Sender sender, int rate, int maxInFlight) {
            this.vertx = vertx;
            this.context = context;
            this.sender = sender;
            this.rate = rate;
            this.maxInFlight = maxInFlight;
        }

        void run(int warmupSeconds, int seconds) throws Exception {
            CompletableFuture<Void> done = new CompletableFuture<>();
            context.runOnContext(v -> {
                long start = System.nanoTime();
                long measureStart = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
                long end = measureStart + TimeUnit.SECONDS.toNanos(seconds);
                vertx.setPeriodic(1, timer -> {
                    long now = System.nanoTime();
                    long target = (Math.min(now, end) - start) * rate / 1_000_000_000L;
                    while (due < target) {
                        due++;
                        if (inFlight >= maxInFlight) {
                            if (now >= measureStart) {
                                skipped++;
                            }
                            continue;
                        }
                        fire(now >= measureStart);
                    }
                    if (now >= end) {
                        vertx.cancelTimer(timer);
                        vertx.setPeriodic(10, wait -> {
                            if (inFlight == 0) {
                                vertx.cancelTimer(wait);
                                done.complete(null);
                            }
                        });
                    }
                });
            });
            long total = warmupSeconds + seconds;
            long began = System.nanoTime();
            while (!done.isDone()) {
                try {
                    done.get(5, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    long s = (System.nanoTime() - began) / 1_000_000_000L;
                    System.out.printf("[bench]   phase 1: %d s of %d s (%s)%n", s, total, s < warmupSeconds ? "warm-up" : "measured");
                }
            }
        }

        private void fire(boolean isMeasured) {
            long sent = System.nanoTime();
            inFlight++;
            if (isMeasured) {
                measuredSent++;
            }
            sender.post().onComplete(ar -> {
                inFlight--;
                if (!isMeasured) {
                    return;
                }
                if (ar.succeeded()) {
                    statuses.merge(ar.result().status(), 1L, Long::sum);
                    intake.recordValue(Math.min(MAX_MICROS, (System.nanoTime() - sent) / 1000));
                    String id = ar.result().eventId();
                    if (id != null) {
                        measured.put(id, sent);
                    }
                } else {
                    errors.merge(ar.cause().getClass().getSimpleName() + ": " + ar.cause().getMessage(), 1L, Long::sum);
                }
            });
        }
    }

    /** Closed loop: {@code connections} requests in flight until {@code total} have been sent. */
    static final class ClosedLoop {
        private final Context context;
        private final Sender sender;
        private final int total;
        private final int connections;
        final Set<String> accepted = ConcurrentHashMap.newKeySet();
        final Map<Integer, Long> statuses = new TreeMap<>();
        final Map<String, Long> errors = new TreeMap<>();
        long sent;
        long elapsedNanos;
        private int inFlight;
        private long start;
        private final CompletableFuture<Void> done = new CompletableFuture<>();

        ClosedLoop(Context context, Sender sender, int total, int connections) {
            this.context = context;
            this.sender = sender;
            this.total = total;
            this.connections = connections;
        }

        void run() throws Exception {
            context.runOnContext(v -> {
                start = System.nanoTime();
                inFlight = connections;
                for (int i = 0; i < connections; i++) {
                    fire();
                }
            });
            while (!done.isDone()) {
                try {
                    done.get(5, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    System.out.printf("[bench]   phase 2 posting: %,d accepted of %,d%n", accepted.size(), total);
                }
            }
        }

        private void fire() {
            if (sent >= total) {
                if (--inFlight == 0) {
                    elapsedNanos = System.nanoTime() - start;
                    done.complete(null);
                }
                return;
            }
            sent++;
            sender.post().onComplete(ar -> {
                if (ar.succeeded()) {
                    statuses.merge(ar.result().status(), 1L, Long::sum);
                    String id = ar.result().eventId();
                    if (id != null) {
                        accepted.add(id);
                    }
                    fire();
                } else {
                    errors.merge(ar.cause().getClass().getSimpleName() + ": " + ar.cause().getMessage(), 1L, Long::sum);
                    context.runOnContext(x -> fire());
                }
            });
        }
    }

    // ------------------------------------------------------------------------------------------------ bodies


    /** Unique message ids (run prefix + counter), chats drawn uniformly; client event loop only. */
    static final class Bodies {
        private final IntakeBenchmark.BodyTemplate template;
        private final String prefix;
        private final int chats;
        private final Map<String, String> values = new HashMap<>();
        private long seq;

        Bodies(IntakeBenchmark.BodyTemplate template, String prefix, int chats) {
            this.template = template;
            this.prefix = prefix;
            this.chats = chats;
        }

        byte[] next() {
            int chat = ThreadLocalRandom.current().nextInt(chats);
            long now = System.currentTimeMillis();
            values.put("ID", "3EB0" + prefix + String.format("%020X", seq++));
            values.put("PHONE", "7701" + String.format("%07d", 1_000_000 + chat));
            values.put("LID", "1183209" + String.format("%08d", chat));
            values.put("TS", Long.toString(now / 1000));
            values.put("DT", java.time.Instant.ofEpochMilli(now).toString());
            return template.render(values).getBytes(StandardCharsets.UTF_8);
        }
    }

    // ------------------------------------------------------------------------------------------------ database



    /** The report text. */
    static final class Report {
        private final StringBuilder out = new StringBuilder();

        void line(String format, Object... args) {
            out.append(String.format(Locale.ROOT, format, args)).append('\n');
        }

        void section(String title) {
            out.append('\n').append("---- ").append(title).append('\n');
        }

        @Override
        public String toString() {
            return out.toString();
        }
    }
}
