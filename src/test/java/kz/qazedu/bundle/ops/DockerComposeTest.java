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
 * webhook reaches the bundle and the bundle reaches its own PostgreSQL and ActiveMQ, the bundle given every variable
 * of its env file, and documented: the variables and defaults of {@code application.properties},
 * {@code .env.example}, the tables of {@code docs/configuration.md} and the compose file agree.
 */
class DockerComposeTest {

    private static final Path COMPOSE_FILE = Path.of("docker-compose.yml");
    private static final Path ENV_EXAMPLE = Path.of(".env.example");
    private static final Path RESOURCES = Path.of("src/main/resources");
    private static final Path APPLICATION_PROPERTIES = RESOURCES.resolve("application.properties");
    private static final Path CONFIGURATION_DOC = Path.of("docs/configuration.md");
    /** The compose variable that names the bundle's env file; the tests point it at .env.example. */
    private static final String ENV_FILE_VARIABLE = "BUNDLE_ENV_FILE";

    private static final String EVOLUTION_IMAGE = "evoapicloud/evolution-api";
    private static final String EVOLUTION_TAG = "v2.3.7";
    private static final String GLOBAL_WEBHOOK_PATH = "/webhook/evolution/key/";

    /** {@code ${VAR}}, {@code ${VAR:-default}}, {@code ${VAR:?message}}; {@code $$} escapes a dollar. */
    private static final Pattern COMPOSE_VARIABLE = Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_]*)");
    private static final Pattern REQUIRED_COMPOSE_VARIABLE = Pattern.compile("(?<!\\$)\\$\\{([A-Za-z_][A-Za-z0-9_]*):\\?");
    /** {@code ${ENV_VAR:default}} in a properties file; {@code ${spring.key}} references are not environment variables. */
    private static final Pattern PROPERTY_VARIABLE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]");
    private static final Pattern ENV_EXAMPLE_LINE = Pattern.compile("^([A-Z][A-Z0-9_]*)=(.*)$");
    /** {@code key=${VAR:default}} (or {@code ${VAR}}) in application.properties. */
    private static final Pattern PROPERTY_LINE =
            Pattern.compile("^([a-z][a-z0-9.-]*)=\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}$", Pattern.MULTILINE);
    /** {@code ${VAR:-default}} in the compose file. */
    private static final Pattern COMPOSE_DEFAULT = Pattern.compile("(?<!\\$)\\$\\{([A-Z][A-Z0-9_]*):-([^}]*)}");
    private static final Pattern ENV_EXAMPLE_DEFAULT = Pattern.compile("Default: (\\S+)");
    private static final Pattern FIRST_CODE = Pattern.compile("^`([^`]*)`");
    private static final Pattern URL_HOST = Pattern.compile("://([^:/?)]+)");
    private static final Pattern GLOBAL_WEBHOOK_URL =
            Pattern.compile("^http://([^:/]+):(\\d+)(/.*)$");

    private static String composeText;
    private static Map<String, Map<String, Object>> services;
    private static Map<String, String> envExample;
    /** The comment lines above each variable of .env.example, joined. */
    private static Map<String, String> envExampleComments;

    @TempDir
    Path tempDir;

    @BeforeAll
    static void readFiles() throws IOException {
        composeText = Files.readString(COMPOSE_FILE);
        Map<String, Object> compose = new Yaml().load(composeText);
        services = asMap(compose.get("services"));
        envExample = readEnvExample();
        envExampleComments = readEnvExampleComments();
    }

    @Test
    void dockerComposeAcceptsTheFileWithTheExampleEnvironment() throws Exception {
        ComposeRun run = dockerComposeConfig(envExample, Set.of());

        assertThat(run.exitCode())
                .as("docker-compose -f docker-compose.yml config with .env.example's values; stderr:%n%s", run.stderr())
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
    void theBundlesHealthCheckAsksReadinessWhichABrokerOutageLeavesUp() {
        Map<String, Object> healthcheck = asMap(services.get(bundleServiceName()), "healthcheck");
        assertThat((List<?>) healthcheck.get("test")).map(Object::toString)
                .anySatisfy(part -> assertThat(part).endsWith(":8080/actuator/health/readiness"));
    }

    @Test
    void hawtioIsOnWithARequiredPasswordAndPublishedOnLoopbackOnly() {
        Map<String, Object> bundle = services.get(bundleServiceName());
        Map<String, String> env = environment(bundle);
        assertThat(env).containsEntry("HAWTIO_ENABLED", "true").containsEntry("HAWTIO_HOST", "0.0.0.0");
        assertThat(env.get("HAWTIO_PASSWORD")).startsWith("${HAWTIO_PASSWORD:?");
        assertThat((List<?>) bundle.get("ports")).map(Object::toString)
                .contains("${HAWTIO_HTTP_PUBLISH:-127.0.0.1:8090}:" + env.get("HAWTIO_PORT"));
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
    void theBundleGetsEveryVariableOfItsEnvFileAndTheWiringWinsOverIt() throws Exception {
        Map<String, Object> bundle = services.get(bundleServiceName());
        assertThat((List<?>) bundle.get("env_file")).map(Object::toString)
                .containsExactly("${" + ENV_FILE_VARIABLE + ":-.env}");
        assertThat(environment(bundle)).as("no pass-through list: every value comes from the env file")
                .doesNotContainValue(null);

        ComposeRun run = dockerComposeConfig(envExample, Set.of());
        assertThat(run.exitCode()).as("stderr:%n%s", run.stderr()).isZero();
        Map<String, Object> resolved = asMap(asMap(new Yaml().load(run.stdout()), "services").get(bundleServiceName()));
        Map<String, String> containerEnvironment = environment(resolved);

        assertThat(containerEnvironment.keySet()).as("the bundle container's environment")
                .containsAll(applicationVariables().keySet());
        environment(bundle).forEach((name, value) -> {
            if (!value.contains("${")) {
                assertThat(containerEnvironment).as("wired by the compose file").containsEntry(name, value);
            }
        });
        assertThat(containerEnvironment).containsEntry("WEBHOOK_TOKEN", envExample.get("WEBHOOK_TOKEN"))
                .containsEntry("RELAY_BATCH_BYTES", envExample.get("RELAY_BATCH_BYTES"))
                .containsEntry("REDACT_EVOLUTION_APIKEY", envExample.get("REDACT_EVOLUTION_APIKEY"));
    }

    /**
     * application.properties, .env.example, the table "Every variable" of docs/configuration.md and the compose file
     * name the same variables with the same defaults; .env.example's values are those defaults but for what the
     * compose file requires or wires.
     */
    @Test
    void applicationPropertiesEnvExampleConfigurationDocAndComposeAgreeOnEveryVariable() throws IOException {
        Map<String, PropertyVariable> application = applicationVariables();
        assertThat(application).containsKeys("WEBHOOK_TOKEN", "RELAY_BATCH_BYTES", "REDACT_EVOLUTION_APIKEY");
        Map<String, List<String>> documented = tableRows("## Every variable", 4);
        Set<String> required = matches(REQUIRED_COMPOSE_VARIABLE, composeText);
        Map<String, String> composeDefaults = composeDefaults();
        Map<String, String> wired = new LinkedHashMap<>();
        environment(services.get(bundleServiceName())).forEach((name, value) -> {
            if (!value.contains("${")) {
                wired.put(name, value);
            }
        });

        assertThat(documented.keySet()).as("variables of docs/configuration.md's table")
                .containsExactlyInAnyOrderElementsOf(application.keySet());
        assertThat(envExample.keySet()).as(".env.example").containsAll(application.keySet());
        List<String> disagreements = new ArrayList<>();
        application.forEach((name, variable) -> {
            List<String> row = documented.get(name);
            if (!row.get(1).equals("`" + variable.property() + "`")) {
                disagreements.add(name + ": property " + variable.property() + ", documented " + row.get(1));
            }
            String documentedDefault = row.get(2).equals("(empty)") ? "" : firstCode(row.get(2));
            if (!variable.defaultValue().equals(documentedDefault)) {
                disagreements.add(name + ": default '" + variable.defaultValue() + "', documented " + row.get(2));
            }
            String comment = envExampleComments.getOrDefault(name, "");
            String exampleDefault = envExampleDefault(comment);
            if (!variable.defaultValue().equals(exampleDefault)) {
                disagreements.add(name + ": default '" + variable.defaultValue() + "', .env.example says '" + exampleDefault + "'");
            }
            String value = envExample.get(name);
            if (required.contains(name)) {
                if (!comment.contains("Required by docker-compose.yml")) {
                    disagreements.add(name + ": required by the compose file, not so in .env.example");
                }
                if (!row.get(3).contains("Required in production")) {
                    disagreements.add(name + ": required by the compose file, not so in docs/configuration.md");
                }
            } else if (composeDefaults.containsKey(name)) {
                if (!comment.contains("(compose: " + composeDefaults.get(name) + ")") || !value.equals(composeDefaults.get(name))) {
                    disagreements.add(name + ": the compose file's default " + composeDefaults.get(name) + " not in .env.example");
                }
            } else if (wired.containsKey(name)) {
                if (!comment.contains("docker-compose.yml sets " + wired.get(name))) {
                    disagreements.add(name + ": the compose file sets " + wired.get(name) + ", .env.example does not say so");
                }
            } else if (!variable.defaultValue().equals(value)) {
                disagreements.add(name + ": .env.example's value '" + value + "' is not the default '" + variable.defaultValue() + "'");
            }
        });
        assertThat(disagreements).isEmpty();
    }

    /** The variables only the compose file reads: in .env.example's last part and the table "Docker Compose only". */
    @Test
    void envExampleConfigurationDocAndComposeAgreeOnTheComposeVariables() throws IOException {
        Set<String> composeOnly = new TreeSet<>(envExample.keySet());
        composeOnly.removeAll(applicationVariables().keySet());
        Map<String, List<String>> documented = tableRows("## Docker Compose only", 3);
        assertThat(documented.keySet()).as("docs/configuration.md, Docker Compose only")
                .containsExactlyInAnyOrderElementsOf(composeOnly);
        Set<String> referenced = matches(COMPOSE_VARIABLE, composeText);
        Set<String> required = matches(REQUIRED_COMPOSE_VARIABLE, composeText);
        Map<String, String> composeDefaults = composeDefaults();

        List<String> disagreements = new ArrayList<>();
        for (String name : composeOnly) {
            String comment = envExampleComments.getOrDefault(name, "");
            String documentedDefault = documented.get(name).get(1);
            if (required.contains(name)) {
                if (!documentedDefault.equals("(none, required)") || !comment.contains("No default. Required by docker-compose.yml")) {
                    disagreements.add(name + ": required by the compose file");
                }
            } else if (composeDefaults.containsKey(name)) {
                String value = composeDefaults.get(name);
                if (!firstCode(documentedDefault).equals(value) || !value.equals(envExampleDefault(comment))
                        || !value.equals(envExample.get(name))) {
                    disagreements.add(name + ": the compose file's default is " + value);
                }
            } else {
                // read by a process inside the bundle's container (the JVM), reaching it through the env file
                assertThat(referenced).doesNotContain(name);
                if (!documentedDefault.equals("(unset)") || !"unset".equals(envExampleDefault(comment))) {
                    disagreements.add(name + ": not set by the compose file, so unset by default");
                }
            }
        }
        assertThat(disagreements).isEmpty();
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

    private record ComposeRun(int exitCode, String stdout, String stderr) {
    }

    /**
     * Runs {@code docker-compose config} with exactly the given variables, isolated from a developer's own .env by
     * an empty {@code --env-file}; the bundle's env file is .env.example.
     */
    private ComposeRun dockerComposeConfig(Map<String, String> variables, Set<String> unset) throws Exception {
        Path emptyEnvFile = Files.createFile(tempDir.resolve("empty.env"));
        Path stdout = tempDir.resolve("stdout.txt");
        Path stderr = tempDir.resolve("stderr.txt");
        ProcessBuilder builder = new ProcessBuilder(
                "docker-compose", "--env-file", emptyEnvFile.toAbsolutePath().toString(),
                "-f", COMPOSE_FILE.toString(), "config")
                .redirectOutput(stdout.toFile())
                .redirectError(stderr.toFile());
        unset.forEach(builder.environment()::remove);
        builder.environment().putAll(variables);
        builder.environment().put(ENV_FILE_VARIABLE, ENV_EXAMPLE.toAbsolutePath().toString());
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
        return new ComposeRun(process.exitValue(), Files.readString(stdout), Files.readString(stderr));
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

    private record PropertyVariable(String property, String defaultValue) {
    }

    /** Every environment variable of application.properties with its property and default ("" when none). */
    private static Map<String, PropertyVariable> applicationVariables() throws IOException {
        String text = Files.readString(APPLICATION_PROPERTIES);
        Map<String, PropertyVariable> variables = new LinkedHashMap<>();
        Matcher line = PROPERTY_LINE.matcher(text);
        while (line.find()) {
            PropertyVariable previous = variables.put(line.group(2),
                    new PropertyVariable(line.group(1), line.group(3) == null ? "" : line.group(3)));
            assertThat(previous).as("%s read by two properties", line.group(2)).isNull();
        }
        assertThat(variables.keySet()).as("every ${VAR} of application.properties is a whole property value")
                .containsExactlyInAnyOrderElementsOf(matches(PROPERTY_VARIABLE, text));
        return variables;
    }

    /** ${VAR:-default} of the compose file, each variable with one default. */
    private static Map<String, String> composeDefaults() {
        Map<String, String> defaults = new LinkedHashMap<>();
        Matcher matcher = COMPOSE_DEFAULT.matcher(composeText);
        while (matcher.find()) {
            String previous = defaults.put(matcher.group(1), matcher.group(2));
            assertThat(previous).as("defaults of %s in the compose file", matcher.group(1))
                    .isIn(null, matcher.group(2));
        }
        return defaults;
    }

    /** The rows of the first table after the heading, by their first cell (a variable in backticks). */
    private static Map<String, List<String>> tableRows(String heading, int cells) throws IOException {
        List<String> lines = Files.readAllLines(CONFIGURATION_DOC);
        int start = lines.indexOf(heading);
        assertThat(start).as("%s in %s", heading, CONFIGURATION_DOC).isNotNegative();
        Map<String, List<String>> rows = new LinkedHashMap<>();
        for (int i = start + 1; i < lines.size() && !lines.get(i).startsWith("## "); i++) {
            String row = lines.get(i);
            if (row.startsWith("| `")) {
                List<String> parts = List.of(row.substring(2, row.length() - 2).split(" \\| ", -1));
                assertThat(parts).as(row).hasSize(cells);
                rows.put(parts.get(0).replace("`", ""), parts);
            }
        }
        return rows;
    }

    /** What a comment of .env.example gives after "Default:" ("empty" is ""), without the sentence's full stop. */
    private static String envExampleDefault(String comment) {
        Matcher matcher = ENV_EXAMPLE_DEFAULT.matcher(comment);
        if (!matcher.find()) {
            return null;
        }
        String value = matcher.group(1).replaceAll("[.,]$", "");
        return value.equals("empty") ? "" : value;
    }

    private static String firstCode(String cell) {
        Matcher matcher = FIRST_CODE.matcher(cell);
        return matcher.find() ? matcher.group(1) : cell;
    }

    private static Map<String, String> readEnvExampleComments() throws IOException {
        List<String> lines = Files.readAllLines(ENV_EXAMPLE);
        Map<String, String> comments = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            Matcher matcher = ENV_EXAMPLE_LINE.matcher(lines.get(i));
            if (matcher.matches()) {
                List<String> comment = new ArrayList<>();
                for (int j = i - 1; j >= 0 && lines.get(j).startsWith("# "); j--) {
                    comment.add(0, lines.get(j).substring(2));
                }
                comments.put(matcher.group(1), String.join(" ", comment));
            }
        }
        return comments;
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

    private static Map<String, Object> asMap(Map<String, Object> yaml, String key) {
        return asMap(yaml.get(key));
    }

    @SuppressWarnings("unchecked")
    private static <T> Map<String, T> asMap(Object yaml) {
        assertThat(yaml).isInstanceOf(Map.class);
        return (Map<String, T>) yaml;
    }
}
