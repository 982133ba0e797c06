package kz.qazedu.bundle.crm;

import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;

import javax.sql.DataSource;

import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.TestSettings;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * One replica forwards at a time, and what a turn cut short leaves behind is counted. Each case uses a lock key of
 * its own, so that no other test's forwarder takes its turn.
 */
class CrmForwardingTurnTest extends IntegrationTest {

    @Autowired
    DataSource dataSource;

    @Autowired
    CrmDeliveries deliveries;

    private final long lockKey = ThreadLocalRandom.current().nextLong(1L << 40, 1L << 50);

    private CrmSettings settings() {
        return TestSettings.bind(CrmSettings.class, "CRM_LOCK_KEY=" + lockKey);
    }

    @Test
    void whileAnotherReplicaHasTheTurnThisOneDoesNotForward() throws Exception {
        CrmForwardingTurn turn = new CrmForwardingTurn(dataSource, deliveries, settings());
        try (Connection otherReplica = dataSource.getConnection(); Statement statement = otherReplica.createStatement()) {
            statement.execute("select pg_advisory_lock(" + lockKey + ")");

            assertThat(turn.take(() -> "forwarded")).isEmpty();

            statement.execute("select pg_advisory_unlock(" + lockKey + ")");
        }
        assertThat(turn.take(() -> "forwarded")).contains("forwarded");
    }

    @Test
    void theTurnEndsWithItsRoundsEvenWhenTheyFail() {
        CrmForwardingTurn turn = new CrmForwardingTurn(dataSource, deliveries, settings());
        try {
            turn.take(() -> {
                throw new IllegalStateException("the CRM's answer could not be recorded");
            });
        } catch (IllegalStateException expected) {
            // the round's failure is the route's to report
        }

        assertThat(turn.take(() -> "forwarded")).contains("forwarded");
        assertThat(count("""
                select count(*) from pg_locks
                 where locktype = 'advisory' and objsubid = 1 and (classid::bigint << 32 | objid::bigint) = ?
                """, lockKey)).isZero();
    }

    @Test
    void aRoundLeftUnfinishedCountsAsAnAttemptOfEachOfItsDeliveriesStillWaiting() {
        String instance = uniqueInstance();
        delivery(instance, "waiting", "pending", 2);
        delivery(instance, "done", "delivered", 1);
        jdbc.update("insert into crm_round (event_ids) values (?::text[])",
                (Object) new String[] {instance + "-waiting", instance + "-done"});

        Optional<Boolean> ran = new CrmForwardingTurn(dataSource, deliveries, settings()).take(() -> true);

        assertThat(ran).contains(true);
        assertThat(jdbc.queryForObject("select attempts from crm_delivery where event_id = ?", Integer.class,
                instance + "-waiting")).isEqualTo(3);
        assertThat(jdbc.queryForObject("select attempts from crm_delivery where event_id = ?", Integer.class,
                instance + "-done")).isEqualTo(1);
        assertThat(count("select count(*) from crm_round where ? = any(event_ids)", instance + "-waiting")).isZero();
    }

    private void delivery(String instance, String name, String state, int attempts) {
        jdbc.update("""
                insert into crm_delivery (event_id, seq, ordering_key, instance, event_type, state, attempts,
                                          next_attempt_at, delivered_at)
                values (?, -1, ? || '|chat', ?, 'messages.upsert', ?, ?, now() + interval '1 hour',
                        case when ? = 'delivered' then now() end)
                """, instance + "-" + name, instance, instance, state, attempts, state);
    }
}
