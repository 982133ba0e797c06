package kz.qazedu.bundle.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Status;

/**
 * {@code journal} in health and both probes: UP while the journal's writer works, DOWN once it has ended while the
 * journal runs (liveness then asks for a restart), OUT_OF_SERVICE before the journal starts and after it stops.
 */
class JournalHealthTest {

    @Test
    void followsTheJournalWriter() throws Exception {
        EventJournal journal = new EventJournal(null, new SimpleMeterRegistry(),
                new JournalSettings(8, 8, Duration.ofSeconds(1)));
        JournalHealth health = new JournalHealth(journal);
        assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);

        journal.start();
        try {
            assertThat(health.health().getStatus()).isEqualTo(Status.UP);

            // what the writer does not survive: an interrupt here (an Error would end it the same way)
            var field = EventJournal.class.getDeclaredField("writer");
            field.setAccessible(true);
            ((Thread) field.get(journal)).interrupt();
            Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> !journal.writerAlive());

            assertThat(health.health().getStatus()).isEqualTo(Status.DOWN);
            assertThat(health.health().getDetails()).containsEntry("writer",
                    "ended: webhooks cannot be stored until the bundle is restarted");
        } finally {
            journal.stop();
        }
        assertThat(health.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    }
}
