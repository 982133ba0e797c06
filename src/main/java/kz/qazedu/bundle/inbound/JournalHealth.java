package kz.qazedu.bundle.inbound;

import org.springframework.boot.actuate.health.AbstractHealthIndicator;
import org.springframework.boot.actuate.health.Health;
import org.springframework.stereotype.Component;

/**
 * {@code journal} in {@code /actuator/health} and in both probes: whether the journal's writer, the one thread
 * that stores every webhook's event, is at work. {@code DOWN} when it has ended while the journal runs (nothing can
 * be stored until a restart: liveness fails); {@code OUT_OF_SERVICE} before the journal starts and once it stops.
 * It asks nothing of PostgreSQL: the database has its own component ({@code db}).
 */
@Component("journal")
public class JournalHealth extends AbstractHealthIndicator {

    private final EventJournal journal;

    public JournalHealth(EventJournal journal) {
        super("journal health check failed");
        this.journal = journal;
    }

    @Override
    protected void doHealthCheck(Health.Builder health) {
        if (!journal.isRunning()) {
            health.outOfService().withDetail("writer", "not running: the bundle is starting or stopping");
        } else if (journal.writerAlive()) {
            health.up().withDetail("writer", "running");
        } else {
            health.down().withDetail("writer", "ended: webhooks cannot be stored until the bundle is restarted");
        }
    }
}
