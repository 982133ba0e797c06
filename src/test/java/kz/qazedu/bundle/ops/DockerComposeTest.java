package kz.qazedu.bundle.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * The production shape in {@code docker-compose.yml}: valid for docker-compose, wired so that Evolution's global
 * webhook reaches the bundle and the bundle reaches its own PostgreSQL and ActiveMQ, and documented: every variable
 * it or {@code application.properties} reads is listed in {@code .env.example}.
 */
class DockerComposeTest {

    private static final Path COMPOSE_FILE = Path.of("docker-compose.yml");
    private static final Path ENV_EXAMPLE = Path.of(".env.example");
    private static final Path RESOURCES = Path.of("src/main/resources");

    private static final String EVOLUTION_IMAGE = "evoapicloud/evolution-api";
    private static final String EVOLUTION_TAG = "v2.3.7";
    private static final String GLOBAL_WEBHOOK_PATH = "/webhook/evolution/key/";

    /** {@code ${VAR}}, {@code ${VAR:-default}}, {@code ${VAR:?message}}; {@code $$} escapes a dollar. */
    private static final Pattern COMPOSE_VARIABLE = Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern REQUIRED_COMPOSE_VARIABLE = Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_]*):\\?");
    /** {@code ${ENV_VAR:default}} in a properties file; {@code ${spring.key}} references are not environment variables. */
    private static final Pattern PROPERTY_VARIABLE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");
    private static final Pattern ENV_EXAMPLE_LINE = Pattern.compile("^([A-Z][A-Z0-9_]*)=(.*)$");
    private static final Pattern URL_HOST = Pattern.compile("://([^:/?)]+)");
    private static final Pattern GLOBAL_WEBHOOK_URL =
            Pattern.compile("^http://([^:/]+):(\\d+)(/.*)$");

    private static String composeText;
    private static Map<String, Map<String, Object>> services;
    private static Map<String, String> envExample;

    @TempDir
    Path tempDir;

    @BeforeAll
    static void readFiles() throws IOException {
        composeText = Files.readString(COMPOSE_FILE);
        Map<String, Object> compose = new Yaml().load(composeText);
        services = asMap(compose.get("services"));
        envExample = readEnvExample();
    }

    @Test
    void dockerComposeAcceptsTheFileWithTheExampleEnvironment() throws Exception {
        ComposeRun run = dockerComposeConfig(envExample, Set.of());

        assertThat(run.exitCode())
                .as("docker-compose -f docker-compose.yml config -q with .env.example's values; stderr:%n%s", run.stderr())
                .isZero();
    }

    @Test
    void dockerComposeRefusesToRunWithoutTheRequiredSecrets() throws Exception {
        Set<String> required = matches(REQUIRED_COMPOSE_VARIABLE, composeText);
        assertThat(required).contains("WEBHOOK_TOKEN", "DB_PASSWORD", "BROKER_PASSWORD", "EVOLUTION_API_KEY");

        Map<String, String> withoutRequired = new LinkedHashMap<>(envExample);
        required.forEach(withoutRequired::remove);
        ComposeRun run = dockerComposeConfig(withoutRequired, required);

        assertThat(run.exitCode()).as("config must fail when secrets are missing; stderr:%n%s", run.stderr()).isNotZero();
        assertThat(run.stderr()).containsAnyOf(required.stream().map(name -> "set " + name).toArray(String[]::new));
    }

    @Test
    void evolutionIsTheStableReleaseAndSendsItsGlobalWebhookToTheBundle() {
        String evolutionName = serviceWithImage(EVOLUTION_IMAGE);
        Map<String, Object> evolution = services.get(evolutionName);
        assertThat((String) evolution.get("image")).isEqualTo(EVOLUTION_IMAGE + ":" + EVOLUTION_TAG);

        Map<String, String> env = environment(evolution);
        assertThat(env).containsEntry("WEBHOOK_GLOBAL_ENABLED", "true")
                .containsEntry("WEBHOOK_GLOBAL_WEBHOOK_BY_EVENTS", "false")
                .containsEntry("WEBHOOK_EVENTS_MESSAGES_UPSERT", "true")
                .containsEntry("WEBHOOK_EVENTS_MESSAGES_UPDATE", "true")
                .containsEntry("WEBHOOK_EVENTS_SEND_MESSAGE", "true")
                .containsEntry("WEBHOOK_EVENTS_CONNECTION_UPDATE", "true")
                .containsEntry("WEBHOOK_EVENTS_QRCODE_UPDATED", "true");

        Matcher url = GLOBAL_WEBHOOK_URL.matcher(env.get("WEBHOOK_GLOBAL_URL"));
        assertThat(url.matches()).as("WEBHOOK_GLOBAL_URL %s", env.get("WEBHOOK_GLOBAL_URL")).isTrue();
        String bundleName = bundleServiceName();
        assertThat(url.group(1)).as("host of WEBHOOK_GLOBAL_URL").isEqualTo(bundleName);
        assertThat(url.group(2)).as("port of WEBHOOK_GLOBAL_URL").isEqualTo(environment(services.get(bundleName)).get("SERVER_PORT"));
        assertThat(url.group(3)).startsWith(GLOBAL_WEBHOOK_PATH + "${WEBHOOK_TOKEN");
        assertThat(environment(services.get(bundleName)).get("WEBHOOK_TOKEN")).startsWith("${WEBHOOK_TOKEN");

        assertThat(env.get("AUTHENTICATION_API_KEY")).as("Evolution's key is the one the bundle calls it with")
                .startsWith("${EVOLUTION_API_KEY");
    }

    @Test
    void bundleReachesItsPostgresBrokerAndEvolutionInsideThisFile() {
        String bundleName = bundleServiceName();
        Map<String, Object> bundle = services.get(bundleName);
        Map<String, String> env = environment(bundle);

        String databaseHost = host(env.get("DB_URL"));
        assertThat(env.get("DB_URL")).startsWith("jdbc:postgresql://");
        assertThat(services).containsKey(databaseHost);
        assertThat((String) services.get(databaseHost).get("image")).startsWith("postgres:");

        String brokerHost = host(env.get("BROKER_URL"));
        assertThat(brokerHost).isEqualTo(serviceWithImage("apache/activemq-classic"));

        assertThat(host(env.get("EVOLUTION_API_URL"))).isEqualTo(serviceWithImage(EVOLUTION_IMAGE));

        assertThat(dependencies(bundle)).contains(databaseHost, brokerHost);
        assertThat((List<?>) bundle.get("volumes")).anySatisfy(volume ->
                assertThat(volume.toString()).startsWith("./routes:/app/routes"));
    }

    @Test
    void everyVariableOfTheComposeFileIsInEnvExample() {
        Set<String> referenced = matches(COMPOSE_VARIABLE, composeText);
        // names listed without a value are passed through from the environment or .env
        services.values().forEach(service -> environment(service).forEach((name, value) -> {
            if (value == null) {
                referenced.add(name);
            }
        }));

        assertThat(envExample.keySet()).as(".env.example").containsAll(referenced);
    }

    @Test
    void everyVariableOfTheApplicationIsInEnvExampleWithAComment() throws IOException {
        Set<String> referenced = new TreeSet<>();
        try (Stream<Path> files = Files.list(RESOURCES)) {
            for (Path file : files.filter(f -> f.getFileName().toString().matches("application.*\\.properties")).toList()) {
                referenced.addAll(matches(PROPERTY_VARIABLE, Files.readString(file)));
            }
        }
        assertThat(referenced).contains("WEBHOOK_TOKEN", "DB_URL", "BROKER_URL");

        assertThat(envExample.keySet()).as(".env.example").containsAll(referenced);

        List<String> lines = Files.readAllLines(ENV_EXAMPLE);
        List<String> uncommented = new ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            if (ENV_EXAMPLE_LINE.matcher(lines.get(i)).matches() && (i == 0 || !lines.get(i - 1).startsWith("# "))) {
                uncommented.add(lines.get(i));
            }
        }
        assertThat(uncommented).as("variables of .env.example without a comment line above them").isEmpty();
    }

    // ------------------------------------------------------------------ docker-compose

    private record ComposeRun(int exitCode, String stderr) {
    }

    /**
     * Runs {@code docker-compose config -q} with exactly the given variables, isolated from a developer's own .env
     * by an empty {@code --env-file}.
     */
    private ComposeRun dockerComposeConfig(Map<String, String> variables, Set<String> unset) throws Exception {
        Path emptyEnvFile = Files.createFile(tempDir.resolve("empty.env"));
        Path stdout = tempDir.resolve("stdout.txt");
        Path stderr = tempDir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(
                "docker-compose", "--env-file", emptyEnvFile.toAbsolutePath().toString(),
                "-f", COMPOSE_FILE.toString(), "config", "-q")
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        unset.forEach(builder.environment()::remove);
        builder.environment().putAll(variables);
        Process process;
        try {
            process = builder.start();
        } catch (IOException notInstalled) {
            return fail("docker-compose is not installed (%s): .ci/run installs it with "
                    + "`apt-get install -y --no-install-recommends docker-compose`", notInstalled.getMessage());
        }
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return fail("docker-compose config did not finish within 120 s");
        }
        return new ComposeRun(process.exitValue(), Files.readString(stderr));
    }

    // ------------------------------------------------------------------ reading the files

    private static Map<String, String> readEnvExample() throws IOException {
        Map<String, String> variables = new LinkedHashMap<>();
        for (String line : Files.readAllLines(ENV_EXAMPLE)) {
            Matcher matcher = ENV_EXAMPLE_LINE.matcher(line);
            if (matcher.matches()) {
                variables.put(matcher.group(1), matcher.group(2));
            }
        }
        return variables;
    }

    private static String bundleServiceName() {
        return services.entrySet().stream()
                .filter(service -> service.getValue().containsKey("build"))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no service of docker-compose.yml is built from this repository"));
    }

    private static String serviceWithImage(String image) {
        return services.entrySet().stream()
                .filter(service -> String.valueOf(service.getValue().get("image")).startsWith(image + ":"))
                .map(Map.Entry::getKey)
                .findFirst()
                .orElseThrow(() -> new AssertionError("no service of docker-compose.yml runs " + image));
    }

    /** A service's environment, written as a map or as a list of NAME=value; a name without a value maps to null. */
    private static Map<String, String> environment(Map<String, Object> service) {
        Map<String, String> environment = new LinkedHashMap<>();
        Object declared = service.get("environment");
        if (declared instanceof Map<?, ?> map) {
            map.forEach((name, value) -> environment.put(name.toString(), value == null ? null : value.toString()));
        } else if (declared instanceof List<?> list) {
            for (Object entry : list) {
                String[] parts = entry.toString().split("=", 2);
                environment.put(parts[0], parts.length == 2 ? parts[1] : null);
            }
        }
        return environment;
    }

    /** depends_on as a list of names or as a map of name to condition. */
    private static Set<String> dependencies(Map<String, Object> service) {
        Object declared = service.get("depends_on");
        Set<String> names = new TreeSet<>();
        if (declared instanceof Map<?, ?> map) {
            map.keySet().forEach(name -> names.add(name.toString()));
        } else if (declared instanceof List<?> list) {
            list.forEach(name -> names.add(name.toString()));
        }
        return names;
    }

    private static String host(String url) {
        assertThat(url).as("URL").isNotNull();
        Matcher matcher = URL_HOST.matcher(url);
        assertThat(matcher.find()).as("host in %s", url).isTrue();
        return matcher.group(1);
    }

    private static Set<String> matches(Pattern pattern, String text) {
        Set<String> names = new TreeSet<>();
        Matcher matcher = pattern.matcher(text);
        while (matcher.find()) {
            names.add(matcher.group(1));
        }
        return names;
    }

    @SuppressWarnings("unchecked")
    private static <T> Map<String, T> asMap(Object yaml) {
        assertThat(yaml).isInstanceOf(Map.class);
        return (Map<String, T>) yaml;
    }
}
