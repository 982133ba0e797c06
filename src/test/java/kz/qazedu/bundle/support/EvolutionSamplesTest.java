package kz.qazedu.bundle.support;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;

/** The test copy of the shared Evolution samples is complete and unchanged (when the shared folder is beside the repo). */
class EvolutionSamplesTest {

    private static final Path SHARED = Path.of("..", "shared", "evolution-samples");

    @Test
    void theCopyHoldsEverySharedSampleUnchanged() throws IOException {
        if (!Files.isDirectory(SHARED)) {
            assertThat(EvolutionSamples.names()).hasSizeGreaterThanOrEqualTo(25);
            return;
        }
        try (Stream<Path> shared = Files.list(SHARED)) {
            for (Path sample : shared.filter(p -> p.toString().endsWith(".json")).toList()) {
                Path copy = EvolutionSamples.folder().resolve(sample.getFileName().toString());
                assertThat(copy).as("copied: " + sample.getFileName()).exists();
                assertThat(Files.readString(copy)).isEqualTo(Files.readString(sample));
            }
        }
    }
}
