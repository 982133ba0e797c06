package kz.qazedu.bundle.ops;

import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.runtime.DatabaseSettings;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.TestSettings;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** routes/queue-vacuum.camel.yaml: a queue table holding more dead rows than the limit is vacuumed, and counted. */
class QueueVacuumTest extends IntegrationTest {

    @Autowired
    MeterRegistry meters;

    @Test
    void aQueueTableWithMoreDeadRowsThanTheLimitIsVacuumed() {
        // dead rows in event_outbox: rows inserted and deleted again (a journaled event whose outbox row is gone)
        String instance = uniqueInstance();
        jdbc.update("""
                with e as (insert into inbound_event (event_id, event_type, instance, payload, received_at)
                           select 'evt_' || md5(? || i), 'presence.update', ?, '{}'::jsonb, now()
                             from generate_series(1, 300) i
                           returning seq)
                insert into event_outbox (seq) select seq from e
                """, instance, instance);
        jdbc.update("delete from event_outbox where seq in (select seq from inbound_event where instance = ?)", instance);
        long before = vacuums("event_outbox");
        double counted = meters.counter("bundle.db.queue.vacuums").count();

        QueueTables tables = new QueueTables(jdbc, meters, TestSettings.bind(DatabaseSettings.class, "DB_QUEUE_VACUUM_DEAD_ROWS=100"));
        eventually().until(() -> {
            jdbc.execute("select pg_stat_force_next_flush()");
            tables.vacuumIfNeeded();
            return vacuums("event_outbox") > before;
        });
        assertThat(meters.counter("bundle.db.queue.vacuums").count()).isGreaterThan(counted);
    }

    @Test
    void noLimitLeavesTheTablesToAutovacuum() {
        long before = vacuums("crm_delivery");
        new QueueTables(jdbc, meters, TestSettings.bind(DatabaseSettings.class, "DB_QUEUE_VACUUM_DEAD_ROWS=0")).vacuumIfNeeded();
        jdbc.execute("select pg_stat_force_next_flush()");
        assertThat(vacuums("crm_delivery")).isEqualTo(before);
    }

    private long vacuums(String table) {
        jdbc.execute("select pg_stat_clear_snapshot()");
        return jdbc.queryForObject("""
                select vacuum_count from pg_stat_user_tables where schemaname = current_schema() and relname = ?
                """, Long.class, table);
    }
}
