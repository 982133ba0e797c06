package kz.qazedu.bundle.ops;

import java.util.List;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.runtime.DatabaseSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Keeps the queue tables ({@code event_outbox}, {@code crm_delivery}) lean. Each event leaves a dead row or row
 * version behind in them, and until a vacuum removes it every scan of their indexes walks past it: a chat with a
 * long backlog, whose index pages change all the time, is claimed ever more slowly. PostgreSQL's autovacuum looks
 * at a database once a minute at best (and may be off); so the bundle vacuums a queue table itself once it holds
 * more than {@code DB_QUEUE_VACUUM_DEAD_ROWS} dead rows and more than 5 % of its live ones (a vacuum reads the
 * table's indexes whole: the share keeps its cost in proportion as the delivery history grows). {@code SKIP_LOCKED}: a table another replica (or
 * autovacuum) is vacuuming is left to it. Counted in {@code bundle_db_queue_vacuums_total}.
 */
@Component("queueTables")
public class QueueTables {

    private static final Logger LOG = LoggerFactory.getLogger(QueueTables.class);
    private static final List<String> TABLES = List.of("event_outbox", "crm_delivery");

    private final JdbcTemplate jdbc;
    private final long deadRows;
    private final Counter vacuums;

    public QueueTables(JdbcTemplate jdbc, MeterRegistry meters,
                       DatabaseSettings settings) {
        this.jdbc = jdbc;
        this.deadRows = settings.queueVacuumDeadRows();
        this.vacuums = meters.counter("bundle.db.queue.vacuums");
    }

    public void vacuumIfNeeded() {
        if (deadRows <= 0) {
            return;
        }
        List<String> due = jdbc.queryForList("""
                select relname from pg_stat_user_tables
                 where schemaname = current_schema() and relname = any(?)
                   and n_dead_tup > greatest(?, n_live_tup / 20)
                """, String.class, TABLES.toArray(String[]::new), deadRows);
        for (String table : due) {
            long started = System.nanoTime();
            // the name comes from TABLES, never from outside
            jdbc.execute("vacuum (skip_locked) " + table);
            vacuums.increment();
            LOG.debug("Vacuumed {} in {} ms", table, (System.nanoTime() - started) / 1_000_000);
        }
    }
}
