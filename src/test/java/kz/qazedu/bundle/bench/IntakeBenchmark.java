package kz.qazedu.bundle.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.ManagementFactory;
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
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.PoolOptions;
import io.vertx.core.http.RequestOptions;
import kz.qazedu.bundle.BundleApplication;
import kz.qazedu.bundle.support.IntegrationTest;
import org.HdrHistogram.Histogram;
import org.apache.activemq.broker.BrokerService;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.apache.activemq.broker.region.Destination;
import org.apache.activemq.command.ActiveMQDestination;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.CamelContextHelper;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Throughput and latency of the webhook intake with the whole bundle running (intake, journal, relay, broker,
 * consumers), compared with a bare constant-reply endpoint on the same Vert.x platform-http server.
 *
 * <p>Not a unit test: nothing is asserted on timings. It prints a report and writes it to
 * {@code target/benchmark/intake-<timestamp>.txt}.
 *
 * <p>Run it from the project directory (the bundle reads {@code routes/*.camel.yaml} from the working directory):
 * <pre>
 *   mvn -B -Pbenchmark test                                  # defaults below
 *   mvn -B -Pbenchmark test -Dbench.seconds=60 -Dbench.warmup.seconds=20
 * </pre>
 * or as a plain program with the test class path, e.g. from an IDE: {@code IntakeBenchmark.main}.
 *
 * <p>System properties (defaults in brackets):
 * <ul>
 *   <li>{@code bench.warmup.seconds} [15], {@code bench.seconds} [30]: intake warm-up (not measured) and measured
 *       phase;</li>
 *   <li>{@code bench.bare.warmup.seconds} [5], {@code bench.bare.seconds} [15]: the same for {@code /bench/bare};</li>
 *   <li>{@code bench.connections} [50]: concurrent keep-alive connections, one request in flight on each;</li>
 *   <li>{@code bench.chats} [500]: distinct chats (remoteJid phone numbers) the messages are spread over;</li>
 *   <li>{@code bench.drain.timeout.seconds} [300]: longest wait for the relay and consumers to catch up;
 *       {@code bench.drain.stall.seconds} [60]: give up earlier when nothing moves for this long;</li>
 *   <li>{@code bench.database} [intake_bench]: database on the test profile's PostgreSQL server that the bundle
 *       uses during the run; dropped and created afresh before the run. A dedicated database keeps
 *       the benchmark's truncation and load away from integration tests that use the {@code test} database at
 *       the same time. Empty ({@code -Dbench.database=}) uses the test profile's own database;</li>
 *   <li>{@code bench.strict} [false]: fail (JUnit) / exit 1 (main) when events were lost or duplicated or the
 *       pipeline did not drain.</li>
 * </ul>
 * The load generator is closed-loop (a new request is sent on a connection only when the previous one has been
 * answered), so latencies are those seen by a sender that waits for each answer, as Evolution does.
 */
@Tag("benchmark")
public class IntakeBenchmark {

    private static final String TOKEN = "test-webhook-token";
    private static final String API_TOKEN = "test-api-token";
    private static final String SAMPLE = "messages.upsert.text.json";
    private static final long MAX_LATENCY_MICROS = TimeUnit.MINUTES.toMicros(10);
    private static final int REQUEST_TIMEOUT_MS = 60_000;

    private final int warmupSeconds = Integer.getInteger("bench.warmup.seconds", 15);
    private final int measuredSeconds = Integer.getInteger("bench.seconds", 30);
    private final int bareWarmupSeconds = Integer.getInteger("bench.bare.warmup.seconds", 5);
    private final int bareSeconds = Integer.getInteger("bench.bare.seconds", 15);
    private final int connections = Integer.getInteger("bench.connections", 50);
    private final int chats = Integer.getInteger("bench.chats", 500);
    private final int drainTimeoutSeconds = Integer.getInteger("bench.drain.timeout.seconds", 300);
    private final int drainStallSeconds = Integer.getInteger("bench.drain.stall.seconds", 60);
    private final String database = System.getProperty("bench.database", "intake_bench").trim();
    private final boolean strict = Boolean.getBoolean("bench.strict");

    @Test
    void intakeBenchmark() throws Exception {
        Outcome outcome = run();
        if (strict && !outcome.healthy()) {
            throw new AssertionError("benchmark found problems: " + outcome.problems());
        }
    }

    public static void main(String[] args) throws Exception {
        IntakeBenchmark benchmark = new IntakeBenchmark();
        Outcome outcome = benchmark.run();
        // the Spring context and the client are closed; exit explicitly in case a library left a thread behind
        System.exit(benchmark.strict && !outcome.healthy() ? 1 : 0);
    }

    // ------------------------------------------------------------------------------------------------ the run

    Outcome run() throws Exception {
        if (!Files.isDirectory(Path.of("routes"))) {
            System.err.println("WARNING: no ./routes directory here (" + Path.of("").toAbsolutePath()
                    + "); run the benchmark from the project directory");
        }
        BodyTemplate template = BodyTemplate.load();
        List<String> args = new ArrayList<>();
        String databaseNote;
        if (!database.isEmpty()) {
            String url = prepareDatabase(database);
            args.add("--spring.datasource.url=" + url);
            databaseNote = url + " (dedicated benchmark database, created afresh)";
        } else {
            databaseNote = "the test profile's database";
        }

        ConfigurableApplicationContext context = null;
        Vertx clientVertx = null;
        LogCapture logs = new LogCapture();
        try {
            long bootStart = System.nanoTime();
            context = new SpringApplicationBuilder(BundleApplication.class)
                    .main(BundleApplication.class)
                    .profiles("test")
                    .properties(
                            "spring.main.banner-mode=off",
                            "spring.datasource.hikari.data-source-properties.ApplicationName=intake-benchmark")
                    .run(args.toArray(String[]::new));
            double bootSeconds = (System.nanoTime() - bootStart) / 1e9;

            CamelContext camel = context.getBean(CamelContext.class);
            camel.addRoutes(new RouteBuilder() {
                @Override
                public void configure() {
                    from("platform-http:/bench/bare").routeId("bench-bare")
                            .removeHeaders("*")
                            .setHeader(Exchange.HTTP_RESPONSE_CODE, constant(200))
                            .setHeader(Exchange.CONTENT_TYPE, constant("application/json"))
                            .setBody(constant("{\"status\":\"ok\"}"));
                }
            });
            int port = IntegrationTest.httpPort(camel);

            JdbcTemplate jdbc = context.getBean(JdbcTemplate.class);
            String databaseName = jdbc.queryForObject("select current_database()", String.class);
            String otherSessions = otherSessions(jdbc);
            jdbc.execute("truncate table event_outbox, inbound_event, message, message_status, instance");
            logs.attach();

            clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(1).setWorkerPoolSize(1)
                    .setInternalBlockingPoolSize(1));
            HttpClient client = clientVertx.createHttpClient(
                    new HttpClientOptions()
                            .setDefaultHost("127.0.0.1")
                            .setDefaultPort(port)
                            .setKeepAlive(true)
                            .setPipelining(false)
                            .setTcpNoDelay(true),
                    new PoolOptions().setHttp1MaxSize(connections));
            Context clientContext = clientVertx.getOrCreateContext();

            Report report = new Report();
            report.machine(context.getEnvironment(), jdbc, databaseName, databaseNote, bootSeconds, port, otherSessions);

            // ---- intake: warm-up + measured, continuous load
            String runPrefix = String.format("%08X", ThreadLocalRandom.current().nextInt());
            IntakeBodies intakeBodies = new IntakeBodies(template, runPrefix, chats);
            System.out.printf("%n[bench] intake: %d s warm-up + %d s measured, %d connections -> POST /webhook/evolution%n",
                    warmupSeconds, measuredSeconds, connections);
            Load intake = new Load(client, clientContext, "/webhook/evolution", true, intakeBodies::next, connections);
            PhaseResult intakeResult = intake.run(warmupSeconds, measuredSeconds);
            long intakeEndNanos = System.nanoTime();
            Snapshot atEnd = Snapshot.take(jdbc);

            // ---- drain: relay + consumers catch up
            System.out.printf("[bench] intake done (%d accepted in all phases); waiting for the pipeline to drain%n",
                    intake.accepted.cardinality());
            Drain drain = drain(jdbc, intake.accepted.cardinality(), intakeEndNanos);
            Integrity integrity = Integrity.check(jdbc, intake, runPrefix, intakeBodies.issued());
            String brokerQueues = brokerQueues(context);

            // ---- bare endpoint on the same server
            System.out.printf("[bench] bare: %d s warm-up + %d s measured, %d connections -> POST /bench/bare%n",
                    bareWarmupSeconds, bareSeconds, connections);
            byte[] bareBody = "{\"ping\":true}".getBytes(StandardCharsets.UTF_8);
            Load bare = new Load(client, clientContext, "/bench/bare", false, seq -> bareBody, connections);
            PhaseResult bareResult = bare.run(bareWarmupSeconds, bareSeconds);

            report.conditions(connections, warmupSeconds, measuredSeconds, bareWarmupSeconds, bareSeconds, chats,
                    intakeBodies, bareBody.length);
            report.intake(intakeResult, intake);
            report.pipelineAtEnd(atEnd, intakeResult);
            report.bare(bareResult);
            report.ratio(intakeResult, bareResult);
            report.drain(drain);
            report.integrity(integrity, brokerQueues);
            report.logs(logs);
            Outcome outcome = Outcome.of(intakeResult, drain, integrity);
            report.verdict(outcome);

            String text = report.toString();
            System.out.println();
            System.out.println(text);
            Path file = Path.of("target", "benchmark",
                    "intake-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".txt");
            Files.createDirectories(file.getParent());
            Files.writeString(file, text, StandardCharsets.UTF_8);
            System.out.println("[bench] report written to " + file.toAbsolutePath());
            return outcome;
        } finally {
            logs.detach();
            if (clientVertx != null) {
                try {
                    clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
                } catch (Exception e) {
                    System.err.println("[bench] client close: " + e);
                }
            }
            if (context != null) {
                context.close();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ database

    /**
     * Creates the benchmark database afresh on the test profile's server (dropping the previous run's, so that no
     * leftover outbox is relayed while this run starts); returns its JDBC URL.
     */
    static String prepareDatabase(String name) throws SQLException {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("bench.database must be a plain lower-case identifier: " + name);
        }
        String serverUrl = firstNonBlank(System.getProperty("TEST_DB_URL"), System.getenv("TEST_DB_URL"),
                "jdbc:postgresql://127.0.0.1:5432/test");
        String user = firstNonBlank(System.getProperty("TEST_DB_USER"), System.getenv("TEST_DB_USER"), "postgres");
        String password = firstNonBlank(System.getProperty("TEST_DB_PASSWORD"), System.getenv("TEST_DB_PASSWORD"), "");
        Matcher url = Pattern.compile("(jdbc:postgresql://[^/]+/)([^?]*)(.*)").matcher(serverUrl);
        if (!url.matches()) {
            throw new IllegalArgumentException("cannot derive a database URL from " + serverUrl);
        }
        try (Connection connection = DriverManager.getConnection(serverUrl, user, password);
             PreparedStatement exists = connection.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, name);
            boolean present;
            try (ResultSet rows = exists.executeQuery()) {
                present = rows.next();
            }
            if (name.equals(url.group(2))) {
                throw new IllegalArgumentException("bench.database must not be the test profile's own database " + name);
            }
            try (Statement create = connection.createStatement()) {
                if (present) {
                    create.execute("drop database " + name + " with (force)");
                }
                create.execute("create database " + name);
            }
            System.out.println("[bench] created database " + name + " afresh");
        }
        return url.group(1) + name + url.group(3);
    }

    private static String otherSessions(JdbcTemplate jdbc) {
        Integer others = jdbc.queryForObject("""
                select count(*) from pg_stat_activity
                 where datname = current_database() and backend_type = 'client backend'
                   and coalesce(application_name, '') <> 'intake-benchmark'
                """, Integer.class);
        return others == null || others == 0 ? "none" : others + " (other clients on the same database!)";
    }

    private Drain drain(JdbcTemplate jdbc, long expectedMessages, long fromNanos) {
        long deadline = fromNanos + TimeUnit.SECONDS.toNanos(drainTimeoutSeconds);
        long[] lastProgress = {System.nanoTime()};
        long[] lastPrint = {0};
        Snapshot[] previous = {null};
        Drain[] result = {null};
        pollUntil(Duration.ofMillis(200), Duration.ofSeconds(drainTimeoutSeconds + 60), () -> {
            Snapshot now = Snapshot.take(jdbc);
            long t = System.nanoTime();
            if (now.unpublished == 0 && now.messages >= expectedMessages) {
                result[0] = new Drain(true, (t - fromNanos) / 1e9, now, expectedMessages, null);
            } else if (t > deadline) {
                result[0] = new Drain(false, (t - fromNanos) / 1e9, now, expectedMessages,
                        "timeout after " + drainTimeoutSeconds + " s");
            } else {
                if (previous[0] == null || now.unpublished != previous[0].unpublished
                        || now.messages != previous[0].messages) {
                    lastProgress[0] = t;
                }
                if (t - lastPrint[0] > TimeUnit.SECONDS.toNanos(5)) {
                    System.out.printf("[bench] draining: %.0f s, inbound_event %d (unpublished %d), message %d of %d%n",
                            (t - fromNanos) / 1e9, now.events, now.unpublished, now.messages, expectedMessages);
                    lastPrint[0] = t;
                }
                if (t - lastProgress[0] > TimeUnit.SECONDS.toNanos(drainStallSeconds)) {
                    result[0] = new Drain(false, (t - fromNanos) / 1e9, now, expectedMessages,
                            "no progress for " + drainStallSeconds + " s");
                }
                previous[0] = now;
            }
            return result[0] != null;
        });
        return result[0] != null ? result[0]
                : new Drain(false, (System.nanoTime() - fromNanos) / 1e9, Snapshot.take(jdbc), expectedMessages,
                        "timeout after " + drainTimeoutSeconds + " s");
    }

    /**
     * Checks {@code done} every {@code every} until it says true or {@code atMost} has passed; a benchmark reports
     * what it found rather than failing, so running out of time is not an error here.
     */
    static void pollUntil(Duration every, Duration atMost, Callable<Boolean> done) {
        try {
            Awaitility.await().pollDelay(Duration.ZERO).pollInterval(every).atMost(atMost).until(done);
        } catch (ConditionTimeoutException timeUp) {
            // the caller reports the state it reached
        }
    }

    private static String brokerQueues(ConfigurableApplicationContext context) {
        try {
            BrokerService broker = context.getBeanProvider(BrokerService.class).getIfAvailable();
            if (broker == null) {
                return "external broker (not inspected)";
            }
            Map<String, Long> depths = new TreeMap<>();
            for (Map.Entry<ActiveMQDestination, Destination> entry
                    : broker.getRegionBroker().getDestinationMap().entrySet()) {
                ActiveMQDestination destination = entry.getKey();
                if (destination.isQueue()) {
                    long count = entry.getValue().getDestinationStatistics().getMessages().getCount();
                    if (count > 0 || destination.getPhysicalName().startsWith("DLQ.")) {
                        depths.put(destination.getPhysicalName(), count);
                    }
                }
            }
            return depths.isEmpty() ? "all queues empty, no DLQ" : depths.toString();
        } catch (Exception e) {
            return "could not inspect the broker: " + e;
        }
    }

    static String firstNonBlank(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return "";
    }

    // ------------------------------------------------------------------------------------------------ bodies

    /** The sample webhook with placeholders where each request differs. */
    static final class BodyTemplate {
        private final String[] parts;
        private final String[] names;
        final String source;

        private BodyTemplate(String[] parts, String[] names, String source) {
            this.parts = parts;
            this.names = names;
            this.source = source;
        }

        static BodyTemplate load() throws IOException {
            String json;
            String source;
            Path shared = Path.of("..", "shared", "evolution-samples", SAMPLE);
            if (Files.isRegularFile(shared)) {
                json = Files.readString(shared, StandardCharsets.UTF_8);
                source = shared.toAbsolutePath().normalize().toString();
            } else {
                try (InputStream in = IntakeBenchmark.class.getResourceAsStream("/bench/" + SAMPLE)) {
                    if (in == null) {
                        throw new IOException("sample " + SAMPLE + " found neither in ../shared/evolution-samples nor "
                                + "as the class path resource /bench/" + SAMPLE);
                    }
                    json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
                source = "classpath:/bench/" + SAMPLE;
            }
            ObjectMapper mapper = new ObjectMapper();
            ObjectNode root = (ObjectNode) mapper.readTree(json);
            ObjectNode data = (ObjectNode) root.get("data");
            ObjectNode key = (ObjectNode) data.get("key");
            key.put("id", "@@ID@@");
            key.put("remoteJid", "@@PHONE@@@s.whatsapp.net");
            key.put("remoteJidAlt", "@@LID@@@lid");
            data.put("messageTimestamp", "@@TS@@");
            root.put("date_time", "@@DT@@");
            String compact = mapper.writeValueAsString(root).replace("\"@@TS@@\"", "@@TS@@");
            // literal parts around the placeholders, and the placeholders in order of appearance
            Pattern placeholder = Pattern.compile("@@(ID|PHONE|LID|TS|DT)@@");
            String[] parts = placeholder.split(compact, -1);
            List<String> order = new ArrayList<>();
            Matcher m = placeholder.matcher(compact);
            while (m.find()) {
                order.add(m.group(1));
            }
            if (order.size() != 5 || parts.length != 6) {
                throw new IllegalStateException("unexpected template " + compact);
            }
            return new BodyTemplate(parts, order.toArray(String[]::new), source);
        }

        String render(Map<String, String> values) {
            StringBuilder b = new StringBuilder(1600);
            for (int i = 0; i < names.length; i++) {
                b.append(parts[i]).append(values.get(names[i]));
            }
            return b.append(parts[names.length]).toString();
        }
    }

    /** Unique message ids (run prefix + counter), chats drawn uniformly from a fixed set. */
    static final class IntakeBodies {
        private final BodyTemplate template;
        private final String prefix;
        private final int chats;
        private final Map<String, String> values = new java.util.HashMap<>();
        private long next;
        private long bytes;

        IntakeBodies(BodyTemplate template, String prefix, int chats) {
            this.template = template;
            this.prefix = prefix;
            this.chats = chats;
        }

        /** The body of intake request number {@code seq}; called on the client's single event-loop thread only. */
        byte[] next(long seq) {
            next = Math.max(next, seq + 1);
            int chat = ThreadLocalRandom.current().nextInt(chats);
            String id = messageId(prefix, seq);
            String phone = "7701" + String.format("%07d", 1_000_000 + chat);
            String lid = "1183209" + String.format("%08d", chat);
            long now = System.currentTimeMillis();
            values.put("ID", id);
            values.put("PHONE", phone);
            values.put("LID", lid);
            values.put("TS", Long.toString(now / 1000));
            values.put("DT", java.time.Instant.ofEpochMilli(now).toString());
            byte[] body = template.render(values).getBytes(StandardCharsets.UTF_8);
            bytes += body.length;
            return body;
        }

        static String messageId(String prefix, long seq) {
            return "3EB0" + prefix + String.format("%020X", seq);
        }

        static long seqOf(String prefix, String messageId) {
            String head = "3EB0" + prefix;
            if (messageId == null || !messageId.startsWith(head)) {
                return -1;
            }
            return Long.parseLong(messageId.substring(head.length()), 16);
        }

        long issued() {
            return next;
        }

        double averageBytes() {
            return next == 0 ? 0 : (double) bytes / next;
        }

        String source() {
            return template.source;
        }
    }

    // ------------------------------------------------------------------------------------------------ load

    interface Bodies {
        byte[] next(long seq);
    }

    /**
     * Closed-loop load: exactly {@code connections} requests in flight, each connection sending its next request
     * when the previous answer has been read. Everything runs on the client's single event-loop thread.
     */
    static final class Load {
        private final HttpClient client;
        private final Context context;
        private final String uri;
        private final boolean intake;
        private final Bodies bodies;
        private final int connections;

        // event-loop-only state; published to the caller through the completion future
        final BitSet accepted = new BitSet();
        private long seq;
        private long measureStart;
        private long end;
        private int inFlight;
        private long lastCompletion;
        private long acceptedTwice;
        private final CompletableFuture<Void> done = new CompletableFuture<>();
        private PhaseResult result;

        Load(HttpClient client, Context context, String uri, boolean intake, Bodies bodies, int connections) {
            this.client = client;
            this.context = context;
            this.uri = uri;
            this.intake = intake;
            this.bodies = bodies;
            this.connections = connections;
        }

        PhaseResult run(int warmupSeconds, int measuredSeconds) throws Exception {
            long start = System.nanoTime();
            measureStart = start + TimeUnit.SECONDS.toNanos(warmupSeconds);
            end = measureStart + TimeUnit.SECONDS.toNanos(measuredSeconds);
            result = new PhaseResult(measuredSeconds);
            context.runOnContext(v -> {
                inFlight = connections;
                for (int i = 0; i < connections; i++) {
                    fire();
                }
            });
            long untilMeasured = measureStart - System.nanoTime();
            if (untilMeasured > 0) {
                try {
                    done.get(untilMeasured, TimeUnit.NANOSECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    // warm-up over
                }
            }
            CpuSample cpuStart = CpuSample.take();
            while (!done.isDone()) {
                try {
                    done.get(5, TimeUnit.SECONDS);
                } catch (java.util.concurrent.TimeoutException e) {
                    System.out.printf("[bench]   %s %3d s of %d s measured%n", uri,
                            (System.nanoTime() - measureStart) / 1_000_000_000L, measuredSeconds);
                }
            }
            result.cpu = cpuStart.until(CpuSample.take());
            result.elapsedSeconds = (lastCompletion - measureStart) / 1e9;
            result.acceptedTwice = acceptedTwice;
            return result;
        }

        private void fire() {
            long start = System.nanoTime();
            if (start >= end) {
                if (--inFlight == 0) {
                    done.complete(null);
                }
                return;
            }
            boolean measured = start >= measureStart;
            long n = seq++;
            byte[] body = bodies.next(n);
            RequestOptions options = new RequestOptions()
                    .setMethod(HttpMethod.POST)
                    .setURI(uri)
                    .setIdleTimeout(REQUEST_TIMEOUT_MS)
                    .putHeader("Content-Type", "application/json");
            if (intake) {
                options.putHeader("X-Webhook-Token", TOKEN);
            } else {
                // every path but the webhook's takes the API token at the HTTP edge
                options.putHeader("Authorization", "Bearer " + API_TOKEN);
            }
            client.request(options)
                    .compose(request -> request.send(Buffer.buffer(body)))
                    .compose(response -> response.body().map(reply -> new Reply(response.statusCode(), reply)))
                    .onComplete(ar -> {
                        long finish = System.nanoTime();
                        if (ar.succeeded()) {
                            int status = ar.result().status;
                            if (status >= 200 && status < 300 && intake) {
                                if (accepted.get((int) n)) {
                                    acceptedTwice++;
                                }
                                accepted.set((int) n);
                            }
                            if (measured) {
                                result.record(start, finish, measureStart, status, ar.result().body);
                            }
                        } else if (measured) {
                            result.error(start, finish, ar.cause());
                        }
                        if (measured) {
                            lastCompletion = Math.max(lastCompletion, finish);
                        }
                        if (ar.succeeded()) {
                            fire();
                        } else {
                            context.runOnContext(v -> fire());
                        }
                    });
        }
    }

    record Reply(int status, Buffer body) {
    }

    /**
     * Machine-wide CPU time (/proc/stat), this JVM's and PostgreSQL's (all processes named postgres), in clock
     * ticks, to see who used the cores during a phase.
     */
    record CpuSample(long machineTotal, long machineIdle, long jvm, long postgres) {
        static CpuSample take() {
            try {
                String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
                long total = 0;
                for (int i = 1; i < f.length && i <= 8; i++) {
                    total += Long.parseLong(f[i]);
                }
                long idle = Long.parseLong(f[4]) + Long.parseLong(f[5]);
                long postgres = 0;
                try (var pids = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
                    for (Path pid : pids) {
                        String[] stat = processStat(pid);
                        if (stat != null && "postgres".equals(stat[0])) {
                            postgres += Long.parseLong(stat[12]) + Long.parseLong(stat[13]);
                        }
                    }
                }
                String[] self = processStat(Path.of("/proc/self"));
                long jvm = self == null ? -1 : Long.parseLong(self[12]) + Long.parseLong(self[13]);
                return new CpuSample(total, idle, jvm, postgres);
            } catch (IOException | RuntimeException e) {
                return new CpuSample(-1, -1, -1, -1); // not Linux
            }
        }

        /** comm, then the fields after it: [0] comm, [1] state, ... [12] utime, [13] stime. */
        private static String[] processStat(Path pid) {
            try {
                String stat = Files.readString(pid.resolve("stat"));
                int open = stat.indexOf('(');
                int close = stat.lastIndexOf(')');
                String comm = stat.substring(open + 1, close);
                String[] rest = stat.substring(close + 2).split(" ");
                String[] out = new String[rest.length + 1];
                out[0] = comm;
                System.arraycopy(rest, 0, out, 1, rest.length);
                return out;
            } catch (IOException | RuntimeException e) {
                return null; // the process has gone
            }
        }

        String until(CpuSample end) {
            int cores = Runtime.getRuntime().availableProcessors();
            double total = end.machineTotal - machineTotal;
            if (machineTotal < 0 || end.machineTotal < 0 || total <= 0) {
                return "n/a";
            }
            double busy = 100.0 * (total - (end.machineIdle - machineIdle)) / total;
            double jvmShare = 100.0 * (end.jvm - jvm) / total;
            double pgShare = 100.0 * (end.postgres - postgres) / total;
            return String.format(Locale.ROOT, "machine %.0f%% busy (%d cores = 100%%): this JVM (bundle + load "
                    + "generator) %.0f%%, PostgreSQL %.0f%%, everything else %.0f%%",
                    busy, cores, jvmShare, pgShare, Math.max(0, busy - jvmShare - pgShare));
        }
    }

    /** What one measured phase saw. */
    static final class PhaseResult {
        final Histogram latencyMicros = new Histogram(MAX_LATENCY_MICROS, 3);
        final Map<Integer, Long> statuses = new TreeMap<>();
        final Map<String, Long> errors = new TreeMap<>();
        final List<String> sampleFailures = new ArrayList<>();
        final long[] perSecond;
        long requests;
        long ok;
        long accepted202;
        long duplicate200;
        long acceptedTwice;
        double elapsedSeconds;
        String cpu = "n/a";

        PhaseResult(int seconds) {
            perSecond = new long[seconds + 120];
        }

        void record(long start, long finish, long measureStart, int status, Buffer body) {
            requests++;
            latencyMicros.recordValue(Math.min(MAX_LATENCY_MICROS, (finish - start) / 1000));
            statuses.merge(status, 1L, Long::sum);
            if (status >= 200 && status < 300) {
                ok++;
                int second = (int) ((finish - measureStart) / 1_000_000_000L);
                if (second >= 0 && second < perSecond.length) {
                    perSecond[second]++;
                }
                if (status == 202) {
                    accepted202++;
                } else if (status == 200 && body.toString().contains("\"duplicate\"")) {
                    duplicate200++;
                }
            } else if (sampleFailures.size() < 5) {
                sampleFailures.add(status + " " + truncate(body.toString(), 200));
            }
        }

        void error(long start, long finish, Throwable cause) {
            requests++;
            latencyMicros.recordValue(Math.min(MAX_LATENCY_MICROS, (finish - start) / 1000));
            errors.merge(cause.getClass().getSimpleName() + ": " + truncate(String.valueOf(cause.getMessage()), 120),
                    1L, Long::sum);
        }

        long non2xx() {
            return statuses.entrySet().stream().filter(e -> e.getKey() < 200 || e.getKey() >= 300)
                    .mapToLong(Map.Entry::getValue).sum();
        }

        long errorCount() {
            return errors.values().stream().mapToLong(Long::longValue).sum();
        }

        double okPerSecond() {
            return elapsedSeconds <= 0 ? 0 : ok / elapsedSeconds;
        }

        double ms(double percentile) {
            return latencyMicros.getValueAtPercentile(percentile) / 1000.0;
        }

        /** Min / median / max of 2xx answers per whole second of the measured window. */
        String perSecondSpread() {
            int seconds = (int) Math.floor(elapsedSeconds);
            if (seconds < 1) {
                return "n/a";
            }
            long[] full = java.util.Arrays.copyOf(perSecond, Math.min(seconds, perSecond.length));
            long[] sorted = full.clone();
            java.util.Arrays.sort(sorted);
            return String.format(Locale.ROOT, "min %,d / median %,d / max %,d per second over %d whole seconds",
                    sorted[0], sorted[sorted.length / 2], sorted[sorted.length - 1], sorted.length);
        }
    }

    // ------------------------------------------------------------------------------------------------ checks

    record Snapshot(long events, long unpublished, long messages) {
        static Snapshot take(JdbcTemplate jdbc) {
            Long events = jdbc.queryForObject("select count(*) from inbound_event", Long.class);
            Long unpublished = jdbc.queryForObject("select count(*) from event_outbox",
                    Long.class);
            Long messages = jdbc.queryForObject("select count(*) from message", Long.class);
            return new Snapshot(events, unpublished, messages);
        }
    }

    record Drain(boolean drained, double seconds, Snapshot last, long expectedMessages, String why) {
    }

    record Integrity(long acceptedIds, long inboundRows, long distinctEventIds, long duplicateEventIds,
                     long messageRows, long duplicateMessages, long lost, long acceptedWithoutMessage,
                     long storedButNotAcknowledged, long foreignRows, long issued, String lostExamples) {

        static Integrity check(JdbcTemplate jdbc, Load intake, String prefix, long issued) {
            BitSet accepted = intake.accepted;
            BitSet inJournal = new BitSet();
            long[] foreign = {0};
            jdbc.query("select message_id from inbound_event", row -> {
                long seq = IntakeBodies.seqOf(prefix, row.getString(1));
                if (seq >= 0) {
                    inJournal.set((int) seq);
                } else {
                    foreign[0]++;
                }
            });
            BitSet inMessages = new BitSet();
            jdbc.query("select wa_message_id from message", row -> {
                long seq = IntakeBodies.seqOf(prefix, row.getString(1));
                if (seq >= 0) {
                    inMessages.set((int) seq);
                }
            });
            BitSet lost = (BitSet) accepted.clone();
            lost.andNot(inJournal);
            BitSet withoutMessage = (BitSet) accepted.clone();
            withoutMessage.andNot(inMessages);
            BitSet unacknowledged = (BitSet) inJournal.clone();
            unacknowledged.andNot(accepted);
            StringBuilder examples = new StringBuilder();
            for (int i = lost.nextSetBit(0), k = 0; i >= 0 && k < 5; i = lost.nextSetBit(i + 1), k++) {
                examples.append(IntakeBodies.messageId(prefix, i)).append(' ');
            }
            Long rows = jdbc.queryForObject("select count(*) from inbound_event", Long.class);
            Long distinct = jdbc.queryForObject("select count(distinct event_id) from inbound_event", Long.class);
            Long messages = jdbc.queryForObject("select count(*) from message", Long.class);
            Long duplicateMessages = jdbc.queryForObject(
                    "select count(*) - count(distinct (instance, wa_message_id)) from message", Long.class);
            return new Integrity(accepted.cardinality(), rows, distinct, rows - distinct, messages, duplicateMessages,
                    lost.cardinality(), withoutMessage.cardinality(), unacknowledged.cardinality(), foreign[0],
                    issued, examples.toString().trim());
        }
    }

    record Outcome(List<String> problems) {
        static Outcome of(PhaseResult intake, Drain drain, Integrity integrity) {
            List<String> problems = new ArrayList<>();
            if (integrity.lost() > 0) {
                problems.add(integrity.lost() + " acknowledged events missing from inbound_event");
            }
            if (integrity.duplicateEventIds() > 0 || integrity.duplicateMessages() > 0 || intake.duplicate200 > 0
                    || intake.acceptedTwice > 0) {
                problems.add("duplicates");
            }
            if (!drain.drained()) {
                problems.add("pipeline did not drain: " + drain.why());
            }
            if (intake.non2xx() > 0 || intake.errorCount() > 0) {
                problems.add(intake.non2xx() + " non-2xx answers and " + intake.errorCount() + " errors on the intake");
            }
            return new Outcome(problems);
        }

        boolean healthy() {
            return problems.isEmpty();
        }
    }

    // ------------------------------------------------------------------------------------------------ logs

    /** Counts the bundle's WARN and ERROR log events during the load, keeping the first few distinct ones. */
    static final class LogCapture extends AppenderBase<ILoggingEvent> {
        final Map<String, Long> counts = new TreeMap<>();
        final Map<String, String> firstLines = new LinkedHashMap<>();

        LogCapture() {
            setName("intake-benchmark-capture");
        }

        void attach() {
            ch.qos.logback.classic.Logger root =
                    (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            setContext(root.getLoggerContext());
            start();
            root.addAppender(this);
        }

        void detach() {
            ch.qos.logback.classic.Logger root =
                    (ch.qos.logback.classic.Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
            root.detachAppender(this);
            stop();
        }

        @Override
        protected void append(ILoggingEvent event) {
            if (!event.getLevel().isGreaterOrEqual(Level.WARN)) {
                return;
            }
            String key = event.getLevel() + " " + event.getLoggerName();
            counts.merge(key, 1L, Long::sum);
            if (firstLines.size() < 10 && !firstLines.containsKey(key)) {
                IThrowableProxy thrown = event.getThrowableProxy();
                firstLines.put(key, truncate(event.getFormattedMessage(), 300)
                        + (thrown == null ? "" : " [" + thrown.getClassName() + ": " + truncate(thrown.getMessage(), 200) + "]"));
            }
        }
    }

    // ------------------------------------------------------------------------------------------------ report

    static final class Report {
        private final StringBuilder out = new StringBuilder();

        private Report line(String format, Object... args) {
            out.append(String.format(Locale.ROOT, format, args)).append('\n');
            return this;
        }

        private Report section(String title) {
            out.append('\n').append("-- ").append(title).append('\n');
            return this;
        }

        void machine(Environment env, JdbcTemplate jdbc, String databaseName, String databaseNote, double bootSeconds,
                     int port, String otherSessions) {
            line("==================== Intake benchmark: POST /webhook/evolution, whole bundle in-process ====================");
            line("date                 %s", LocalDateTime.now().format(DateTimeFormatter.ISO_LOCAL_DATE_TIME));
            section("machine");
            line("cpu                  %d cores available to the JVM%s", Runtime.getRuntime().availableProcessors(), cpuModel());
            line("memory               %,d MB physical, JVM max heap %,d MB", physicalMemoryMb(),
                    Runtime.getRuntime().maxMemory() / (1024 * 1024));
            line("os                   %s %s (%s)", System.getProperty("os.name"), System.getProperty("os.version"),
                    System.getProperty("os.arch"));
            line("java                 %s (%s %s)", System.getProperty("java.version"), System.getProperty("java.vm.name"),
                    System.getProperty("java.vm.version"));
            String version = jdbc.queryForObject("show server_version", String.class);
            line("postgresql           %s, database '%s' = %s", version, databaseName, databaseNote);
            line("other db sessions    %s", otherSessions);
            line("bundle               profile test, started in %.1f s, HTTP port %d (Vert.x platform-http), embedded ActiveMQ",
                    bootSeconds, port);
            line("bundle settings      journal batch %s / queue %s, relay batch %s every %s ms, store concurrency %s, "
                            + "HTTP worker threads %s, DB pool %s",
                    env.getProperty("bundle.journal.batch-size"), env.getProperty("bundle.journal.queue-capacity"),
                    env.getProperty("bundle.relay.batch-size"), env.getProperty("bundle.relay.poll-interval-ms"),
                    env.getProperty("bundle.store.concurrency"), env.getProperty("bundle.http.worker-threads"),
                    env.getProperty("spring.datasource.hikari.maximum-pool-size"));
        }

        void conditions(int connections, int warmup, int measured, int bareWarmup, int bareMeasured, int chats,
                        IntakeBodies bodies, int bareBytes) {
            section("conditions");
            line("load generator       Vert.x HttpClient in the same JVM, 1 event-loop thread, %d keep-alive connections "
                    + "over loopback, no pipelining, closed loop (%d requests in flight)", connections, connections);
            line("intake phase         %d s warm-up (not measured) + %d s measured, then drain, then bare phase", warmup, measured);
            line("bare phase           %d s warm-up + %d s measured", bareWarmup, bareMeasured);
            line("intake body          messages.upsert text from %s", bodies.source());
            line("                     %.0f bytes on average, unique data.key.id per request, %d chats (remoteJid), "
                    + "X-Webhook-Token, application/json", bodies.averageBytes(), chats);
            line("bare body            %d bytes constant JSON -> constant 200 {\"status\":\"ok\"} (Camel route, same server)", bareBytes);
            line("latency              request start to end of response body, HdrHistogram (3 significant digits)");
        }

        void intake(PhaseResult r, Load load) {
            section("intake  POST /webhook/evolution (measured phase)");
            line("accepted events/s    %,.0f   (%,d 2xx in %.2f s)", r.okPerSecond(), r.ok, r.elapsedSeconds);
            line("latency ms           p50 %.2f   p90 %.2f   p99 %.2f   p99.9 %.2f   max %.2f   (mean %.2f)",
                    r.ms(50), r.ms(90), r.ms(99), r.ms(99.9), r.latencyMicros.getMaxValue() / 1000.0,
                    r.latencyMicros.getMean() / 1000.0);
            line("answers              %s", r.statuses);
            line("                     202 accepted %,d, 200 duplicate %,d", r.accepted202, r.duplicate200);
            line("non-2xx              %,d", r.non2xx());
            line("errors               %,d %s", r.errorCount(), r.errors.isEmpty() ? "" : r.errors);
            if (!r.sampleFailures.isEmpty()) {
                line("failure samples      %s", r.sampleFailures);
            }
            line("throughput spread    %s", r.perSecondSpread());
            line("cpu (measured)       %s", r.cpu);
        }

        void pipelineAtEnd(Snapshot s, PhaseResult r) {
            line("pipeline at end      inbound_event %,d rows (%,d not yet published), message %,d rows",
                    s.events(), s.unpublished(), s.messages());
        }

        void bare(PhaseResult r) {
            section("bare endpoint  POST /bench/bare (constant reply, same Vert.x server)");
            line("requests/s           %,.0f   (%,d 2xx in %.2f s)", r.okPerSecond(), r.ok, r.elapsedSeconds);
            line("latency ms           p50 %.2f   p90 %.2f   p99 %.2f   max %.2f", r.ms(50), r.ms(90), r.ms(99),
                    r.latencyMicros.getMaxValue() / 1000.0);
            line("non-2xx / errors     %,d / %,d %s", r.non2xx(), r.errorCount(), r.errors.isEmpty() ? "" : r.errors);
            line("cpu (measured)       %s", r.cpu);
        }

        void ratio(PhaseResult intake, PhaseResult bare) {
            section("ratio");
            line("intake / bare        %.3f  (the intake does %.1f%% of the bare endpoint's requests/s; p50 %.1fx, p99 %.1fx)",
                    intake.okPerSecond() / bare.okPerSecond(), 100 * intake.okPerSecond() / bare.okPerSecond(),
                    intake.ms(50) / bare.ms(50), intake.ms(99) / bare.ms(99));
        }

        void drain(Drain d) {
            section("drain (relay -> ActiveMQ -> message-store), timed from the end of the measured intake phase");
            if (d.drained()) {
                line("drain time           %.1f s", d.seconds());
            } else {
                line("drain time           NOT DRAINED after %.1f s (%s)", d.seconds(), d.why());
            }
            line("at the end           inbound_event %,d rows (%,d unpublished), message %,d rows, expected %,d",
                    d.last().events(), d.last().unpublished(), d.last().messages(), d.expectedMessages());
        }

        void integrity(Integrity i, String brokerQueues) {
            section("integrity (all intake phases, warm-up included)");
            line("requests sent        %,d intake requests in all; %,d distinct ids acknowledged with 2xx", i.issued(),
                    i.acceptedIds());
            line("stored rows          inbound_event %,d (distinct event_id %,d), message %,d", i.inboundRows(),
                    i.distinctEventIds(), i.messageRows());
            line("lost                 %,d acknowledged ids not in inbound_event%s", i.lost(),
                    i.lost() > 0 ? " e.g. " + i.lostExamples() : "");
            line("duplicates           inbound_event %,d; message count(*) - count(distinct (instance, wa_message_id)) = %,d",
                    i.duplicateEventIds(), i.duplicateMessages());
            line("not in message       %,d acknowledged ids without a message row", i.acceptedWithoutMessage());
            line("stored, not 2xx      %,d ids in inbound_event whose request got no 2xx (error or timeout after commit)",
                    i.storedButNotAcknowledged());
            if (i.foreignRows() > 0) {
                line("foreign rows         %,d inbound_event rows not sent by this run (another client on the database?)",
                        i.foreignRows());
            }
            line("broker queues        %s", brokerQueues);
        }

        void logs(LogCapture logs) {
            section("bundle WARN/ERROR log events during the run");
            if (logs.counts.isEmpty()) {
                line("none");
                return;
            }
            logs.counts.forEach((key, count) -> line("%,8d  %s", count, key));
            logs.firstLines.forEach((key, first) -> line("first    %s: %s", key, first));
        }

        void verdict(Outcome outcome) {
            section("verdict");
            line(outcome.healthy() ? "OK: no errors, nothing lost, no duplicates, pipeline drained"
                    : "PROBLEMS: " + String.join("; ", outcome.problems()));
            line("===========================================================================================================");
        }

        @Override
        public String toString() {
            return out.toString();
        }

        private static String cpuModel() {
            try {
                for (String l : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
                    if (l.startsWith("model name")) {
                        return ", " + l.substring(l.indexOf(':') + 1).trim();
                    }
                }
            } catch (IOException | RuntimeException ignored) {
                // not Linux
            }
            return "";
        }

        private static long physicalMemoryMb() {
            if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
                return os.getTotalMemorySize() / (1024 * 1024);
            }
            return -1;
        }
    }

    private static String truncate(String s, int max) {
        if (s == null) {
            return "null";
        }
        String flat = s.replace('\n', ' ');
        return flat.length() <= max ? flat : flat.substring(0, max) + "...";
    }

}
