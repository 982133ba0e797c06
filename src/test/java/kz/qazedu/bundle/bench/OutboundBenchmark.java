package kz.qazedu.bundle.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import kz.qazedu.bundle.BundleApplication;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.runtime.Durations;
import org.HdrHistogram.Histogram;
import org.apache.activemq.broker.BrokerService;
import org.apache.activemq.command.ActiveMQQueue;
import org.apache.camel.CamelContext;
import org.apache.camel.support.CamelContextHelper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Outbound sending with the whole bundle running, against an Evolution stand-in (a Vert.x server in this JVM that
 * holds each send for its {@code delay}, as Evolution does, then answers 201):
 * <ol>
 *   <li><b>Pacing</b>: a few hundred sends over several instances with short timings; per instance the configured
 *       and the observed rate, and the gaps between the sends Evolution received next to the gaps the pacing rules
 *       give for the same texts (drawn from the same formula).</li>
 *   <li><b>Enqueueing</b>: 10,000 {@code POST /api/v1/messages} from concurrent clients: requests a second,
 *       latency, and the heap after a full GC every 2,500 requests, with the broker's send queue depth (the backlog
 *       waits in PostgreSQL, so neither should grow).</li>
 * </ol>
 * Not a unit test: nothing is asserted on timings. It prints a report and writes it to
 * {@code target/benchmark/outbound-<timestamp>.txt}.
 * <pre>
 *   mvn -B -Pbenchmark test -Dtest=OutboundBenchmark
 * </pre>
 * System properties (defaults in brackets): {@code bench.out.instances} [3], {@code bench.out.per-instance} [100],
 * {@code bench.out.max-per-minute} [120], {@code bench.out.gap-min} [300ms], {@code bench.out.gap-max} [900ms],
 * {@code bench.out.typing-per-char} [2ms], {@code bench.out.typing-min} [100ms], {@code bench.out.typing-max}
 * [400ms], {@code bench.out.enqueue} [10000], {@code bench.out.clients} [16], {@code bench.out.database}
 * [outbound_bench] (created afresh on the test profile's PostgreSQL server).
 */
@Tag("benchmark")
public class OutboundBenchmark {

    private static final String TOKEN = "test-api-token";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int instances = Integer.getInteger("bench.out.instances", 3);
    private final int perInstance = Integer.getInteger("bench.out.per-instance", 100);
    private final int maxPerMinute = Integer.getInteger("bench.out.max-per-minute", 120);
    private final String gapMin = System.getProperty("bench.out.gap-min", "300ms");
    private final String gapMax = System.getProperty("bench.out.gap-max", "900ms");
    private final String typingPerChar = System.getProperty("bench.out.typing-per-char", "2ms");
    private final String typingMin = System.getProperty("bench.out.typing-min", "100ms");
    private final String typingMax = System.getProperty("bench.out.typing-max", "400ms");
    private final int enqueue = Integer.getInteger("bench.out.enqueue", 10_000);
    private final int clients = Integer.getInteger("bench.out.clients", 16);
    private final String database = System.getProperty("bench.out.database", "outbound_bench");

    /** Arrival times (nanoTime) of the sends per instance, as the Evolution stand-in received them. */
    private final Map<String, List<Long>> arrivals = new ConcurrentHashMap<>();
    private final Map<String, List<Integer>> textLengths = new ConcurrentHashMap<>();

    @Test
    void outboundBenchmark() throws Exception {
        run();
    }

    void run() throws Exception {
        String dbUrl = BenchSupport.prepareDatabase(database);
        Vertx vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1));
        ConfigurableApplicationContext context = null;
        StringBuilder report = new StringBuilder();
        try {
            HttpServer evolution = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
                    .requestHandler(request -> {
                        long now = System.nanoTime();
                        String instance = request.path().substring(request.path().lastIndexOf('/') + 1);
                        request.body().onSuccess(body -> {
                            JsonNode send = read(body.toString());
                            arrivals.computeIfAbsent(instance, i -> new CopyOnWriteArrayList<>()).add(now);
                            textLengths.computeIfAbsent(instance, i -> new CopyOnWriteArrayList<>())
                                    .add(send.path("text").asText().length());
                            long delay = Math.max(1, send.path("delay").asLong());
                            vertx.setTimer(delay, t -> request.response().setStatusCode(201)
                                    .putHeader("Content-Type", "application/json")
                                    .end("{\"key\":{\"remoteJid\":\"" + send.path("number").asText()
                                            + "@s.whatsapp.net\",\"fromMe\":true,\"id\":\"3EB0" + Long.toHexString(now)
                                            + "\"},\"status\":\"PENDING\",\"messageType\":\"conversation\"}"));
                        });
                    })
                    .listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);

            context = new SpringApplicationBuilder(BundleApplication.class).main(BundleApplication.class)
                    .profiles("test").properties("spring.main.banner-mode=off")
                    .run("--spring.datasource.url=" + dbUrl,
                            "--bundle.outbound.enabled=true",
                            "--bundle.evolution.url=http://127.0.0.1:" + evolution.actualPort(),
                            "--bundle.evolution.api-key=bench-key",
                            "--bundle.outbound.max-per-minute=" + maxPerMinute,
                            "--bundle.outbound.gap-min=" + gapMin, "--bundle.outbound.gap-max=" + gapMax,
                            "--bundle.outbound.typing-per-char=" + typingPerChar,
                            "--bundle.outbound.typing-min=" + typingMin, "--bundle.outbound.typing-max=" + typingMax,
                            "--bundle.outbound.recipient-gap=0s", "--bundle.outbound.quiet-hours=none",
                            "--bundle.outbound.daily-cap=1000000", "--bundle.outbound.first-contact-daily-cap=1000000",
                            "--bundle.outbound.resume-ramp-sends=0");
            CamelContext camel = context.getBean(CamelContext.class);
            int port = IntegrationTest.httpPort(camel);
            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

            line(report, "==================== Outbound benchmark: API -> PostgreSQL -> dispatcher -> broker -> paced sender -> Evolution stand-in ====================");
            line(report, "date                 %s", LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
            line(report, "machine              %d cores, JVM max heap %,d MB, java %s, postgresql %s",
                    Runtime.getRuntime().availableProcessors(), Runtime.getRuntime().maxMemory() / (1024 * 1024),
                    System.getProperty("java.version"), jdbc.queryForObject("show server_version", String.class));
            line(report, "pacing               max %d/min (%d ms apart), gap %s..%s, typing %s/char within %s..%s",
                    maxPerMinute, 60_000 / Math.max(1, maxPerMinute), gapMin, gapMax, typingPerChar, typingMin, typingMax);

            pacing(report, http, port, jdbc);
            enqueueing(report, http, port, jdbc, context);
        } finally {
            if (context != null) {
                context.close();
            }
            vertx.close();
            System.out.println(report);
            Path out = Path.of("target/benchmark/outbound-"
                    + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".txt");
            Files.createDirectories(out.getParent());
            Files.writeString(out, report.toString());
            System.out.println("[bench] report written to " + out);
        }
    }

    // ------------------------------------------------------------------------------------------------ pacing

    private void pacing(StringBuilder report, HttpClient http, int port, JdbcTemplate jdbc) throws Exception {
        SplittableRandom random = new SplittableRandom(7);
        List<String> names = new ArrayList<>();
        for (int i = 0; i < instances; i++) {
            names.add("bench-pacing-" + i);
        }
        long start = System.nanoTime();
        for (int n = 0; n < perInstance; n++) {
            for (String instance : names) {
                String text = "Reminder " + n + " " + "x".repeat(random.nextInt(0, 150));
                post(http, port, instance, "7705" + String.format("%07d", n), text);
            }
        }
        BenchSupport.pollUntil(Duration.ofMillis(500), Duration.ofMinutes(30), () -> jdbc.queryForObject(
                "select count(*) from outbound_message where instance like 'bench-pacing-%' and status = 'sent'",
                Integer.class) == instances * perInstance);
        double seconds = (System.nanoTime() - start) / 1e9;
        line(report, "");
        line(report, "---- 1. pacing: %d sends (%d instances x %d), all sent in %.1f s", instances * perInstance,
                instances, perInstance, seconds);
        line(report, "%-16s %10s %10s %8s | gaps observed (ms): min  p10  p50  p90  max | ideal for these texts: min  p50  max | observed/ideal mean | below spacing",
                "instance", "rate cfg", "observed", "sends");
        for (String instance : names) {
            List<Long> times = arrivals.getOrDefault(instance, List.of());
            List<Integer> lengths = textLengths.getOrDefault(instance, List.of());
            long[] gaps = new long[Math.max(0, times.size() - 1)];
            for (int i = 1; i < times.size(); i++) {
                gaps[i - 1] = (times.get(i) - times.get(i - 1)) / 1_000_000;
            }
            long[] ideal = idealGaps(lengths, new SplittableRandom(11));
            Arrays.sort(gaps);
            Arrays.sort(ideal);
            double spanMinutes = times.size() < 2 ? 0 : (times.get(times.size() - 1) - times.get(0)) / 6e10;
            double observedRate = spanMinutes == 0 ? 0 : (times.size() - 1) / spanMinutes;
            long spacing = 60_000L / Math.max(1, maxPerMinute);
            line(report, "%-16s %7d/min %6.1f/min %8d | %22d %4d %4d %4d %4d | %27d %4d %4d | %19.3f | %d",
                    instance, maxPerMinute, observedRate, times.size(), pct(gaps, 0), pct(gaps, 10), pct(gaps, 50),
                    pct(gaps, 90), pct(gaps, 100), pct(ideal, 0), pct(ideal, 50), pct(ideal, 100),
                    mean(gaps) / Math.max(1, mean(ideal)), Arrays.stream(gaps).filter(g -> g < spacing).count());
        }
        line(report, "A gap is between two sends of one instance as Evolution received them. The ideal is the rules' own:");
        line(report, "the previous message's typing delay (Evolution holds the call), then max(uniform(gap-min, gap-max),");
        line(report, "60 s / max-per-minute), drawn for the same texts; observed gaps add the call's own time, the dispatcher's");
        line(report, "poll (OUTBOUND_DISPATCH_INTERVAL_MS, 20 ms in the test profile) and a broker hop.");
    }

    private long[] idealGaps(List<Integer> lengths, SplittableRandom random) {
        long perChar = Durations.parse(typingPerChar).toMillis();
        long min = Durations.parse(typingMin).toMillis();
        long max = Durations.parse(typingMax).toMillis();
        long gMin = Durations.parse(gapMin).toMillis();
        long gMax = Durations.parse(gapMax).toMillis();
        long spacing = 60_000L / Math.max(1, maxPerMinute);
        long[] ideal = new long[Math.max(0, lengths.size() - 1)];
        for (int i = 0; i < ideal.length; i++) {
            long typing = Math.min(max, Math.max(min, perChar * lengths.get(i)));
            long gap = gMin == gMax ? gMin : random.nextLong(gMin, gMax + 1);
            // the previous message is out after its typing delay; then the gap, at least the rate's spacing
            ideal[i] = typing + Math.max(gap, spacing);
        }
        return ideal;
    }

    // ------------------------------------------------------------------------------------------------ enqueueing

    private void enqueueing(StringBuilder report, HttpClient http, int port, JdbcTemplate jdbc,
                            ConfigurableApplicationContext context) throws Exception {
        MemoryMXBean memory = ManagementFactory.getMemoryMXBean();
        BrokerService broker = context.getBean(BrokerService.class);
        String queue = context.getEnvironment().getProperty("bundle.outbound.queue");
        line(report, "");
        line(report, "---- 2. enqueueing %,d messages through POST /api/v1/messages, %d clients (closed loop), onto 5 instances", enqueue, clients);
        line(report, "%10s %14s %12s %16s %14s", "accepted", "heap after GC", "queued (db)", "broker queue", "requests/s");
        line(report, "%10d %11.1f MB %12s %16d %14s", 0, heapAfterGc(memory), "-", depth(broker, queue), "-");
        Histogram latency = new Histogram(TimeUnit.SECONDS.toMicros(60), 3);
        AtomicInteger next = new AtomicInteger();
        AtomicLong errors = new AtomicLong();
        int step = Math.max(1, enqueue / 4);
        long start = System.nanoTime();
        long stepStart = start;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        try {
            for (int done = step; done <= enqueue; done += step) {
                int until = done;
                List<Future<?>> work = new ArrayList<>();
                for (int c = 0; c < clients; c++) {
                    work.add(pool.submit(() -> {
                        int n;
                        while ((n = next.getAndIncrement()) < until) {
                            long t0 = System.nanoTime();
                            int status = post(http, port, "bench-bulk-" + (n % 5), "7707" + String.format("%07d", n),
                                    "Bulk reminder " + n);
                            synchronized (latency) {
                                latency.recordValue(Math.min((System.nanoTime() - t0) / 1000, latency.getHighestTrackableValue()));
                            }
                            if (status != 202) {
                                errors.incrementAndGet();
                            }
                        }
                        next.set(until);
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
                long now = System.nanoTime();
                double rate = step / ((now - stepStart) / 1e9);
                stepStart = now;
                line(report, "%10d %11.1f MB %12d %16d %14.0f", done, heapAfterGc(memory),
                        jdbc.queryForObject("select count(*) from outbound_message where instance like 'bench-bulk-%' and status = 'queued'",
                                Integer.class), depth(broker, queue), rate);
            }
        } finally {
            pool.shutdownNow();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        line(report, "total                %,d requests in %.1f s = %.0f requests/s, %d not 202", enqueue, seconds,
                enqueue / seconds, errors.get());
        line(report, "latency              p50 %.1f ms, p90 %.1f ms, p99 %.1f ms, max %.1f ms",
                latency.getValueAtPercentile(50) / 1000.0, latency.getValueAtPercentile(90) / 1000.0,
                latency.getValueAtPercentile(99) / 1000.0, latency.getMaxValue() / 1000.0);
        line(report, "Each request is one PostgreSQL transaction (row + history) before its 202; the paced senders keep");
        line(report, "sending meanwhile, and the broker holds at most one message per instance.");
    }

    private static double heapAfterGc(MemoryMXBean memory) {
        System.gc();
        return memory.getHeapMemoryUsage().getUsed() / (1024.0 * 1024.0);
    }

    private static long depth(BrokerService broker, String queue) {
        try {
            var destination = broker.getRegionBroker().getDestinationMap().get(new ActiveMQQueue(queue));
            return destination == null ? 0 : destination.getDestinationStatistics().getMessages().getCount();
        } catch (Exception e) {
            return -1;
        }
    }

    private static int post(HttpClient http, int port, String instance, String to, String text) throws Exception {
        String body = JSON.createObjectNode().put("instance", instance).put("to", to).put("text", text).toString();
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/v1/messages"))
                .header("Authorization", "Bearer " + TOKEN).header("Content-Type", "application/json")
                .timeout(Duration.ofSeconds(30)).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.statusCode();
    }

    private static JsonNode read(String body) {
        try {
            return JSON.readTree(body);
        } catch (Exception e) {
            return JSON.createObjectNode();
        }
    }

    private static long pct(long[] sorted, double percentile) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.min(sorted.length - 1, Math.round(percentile / 100.0 * (sorted.length - 1)));
        return sorted[index];
    }

    private static double mean(long[] values) {
        return Arrays.stream(values).average().orElse(0);
    }

    private static void line(StringBuilder report, String format, Object... args) {
        String text = String.format(java.util.Locale.ROOT, format, args);
        report.append(text).append('\n');
        System.out.println(text);
    }
}
