package kz.qazedu.bundle.ops;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.junit.jupiter.api.Test;

/**
 * {@code src/main/docker/Dockerfile} and the root's {@code .dockerignore} (no Docker engine here to build the
 * image): the build context keeps what the Dockerfile copies and leaves out build output, local data, secrets and
 * the git directory; the image's health check asks the liveness probe, on the port the bundle listens on.
 */
class DockerImageTest {

    private static final Path DOCKERFILE = Path.of("src/main/docker/Dockerfile");
    private static final Path DOCKERIGNORE = Path.of(".dockerignore");
    /** COPY without --from: a path of the build context. */
    private static final Pattern COPY_FROM_CONTEXT = Pattern.compile("^COPY (?!--from)(\\S+) ", Pattern.MULTILINE);

    @Test
    void theBuildContextHasWhatTheDockerfileCopiesAndNoBuildOutputDataOrSecrets() throws IOException {
        List<String> ignored = new ArrayList<>();
        for (String line : Files.readAllLines(DOCKERIGNORE)) {
            if (!line.isBlank() && !line.startsWith("#")) {
                ignored.add(trimSlash(line.trim()));
            }
        }
        assertThat(ignored).contains("target", "data", ".env", ".git");

        List<String> copied = new ArrayList<>();
        Matcher copy = COPY_FROM_CONTEXT.matcher(Files.readString(DOCKERFILE));
        while (copy.find()) {
            copied.add(trimSlash(copy.group(1)));
        }
        assertThat(copied).containsExactly("pom.xml", "src", "routes");
        // the build stage compiles src/main (src/test and src/bench may stay out)
        for (String needed : List.of("pom.xml", "src/main", "routes")) {
            assertThat(ignored).as("%s is needed by the image", needed)
                    .noneMatch(pattern -> pattern.equals("*") || needed.equals(pattern) || needed.startsWith(pattern + "/"));
        }
        assertThat(copied).as("the jar is built in the image, not taken from the context")
                .noneMatch(source -> source.startsWith("target"));
    }

    @Test
    void theImagesHealthCheckAsksLivenessOnTheBundlesPort() throws IOException {
        String dockerfile = Files.readString(DOCKERFILE);
        Matcher healthcheck = Pattern.compile("^HEALTHCHECK .*\\\\\\n\\s+CMD (.+)$", Pattern.MULTILINE).matcher(dockerfile);
        assertThat(healthcheck.find()).as("HEALTHCHECK in %s", DOCKERFILE).isTrue();
        assertThat(healthcheck.group(1))
                .contains("curl -fsS")
                .contains("http://127.0.0.1:${SERVER_PORT:-8080}/actuator/health/liveness");
        assertThat(dockerfile.indexOf("HEALTHCHECK")).as("after the base image is chosen")
                .isGreaterThan(dockerfile.indexOf("FROM eclipse-temurin:17-jre"));
    }

    private static String trimSlash(String path) {
        String trimmed = path.startsWith("./") ? path.substring(2) : path;
        return trimmed.endsWith("/") ? trimmed.substring(0, trimmed.length() - 1) : trimmed;
    }
}
