package kz.qazedu.bundle.crm;

import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.TestSettings;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** routes/crm-delivery-retention.camel.yaml: old delivered deliveries go with their attempts; nothing else does. */
class CrmDeliveryRetentionTest extends IntegrationTest {

    @Autowired
    MeterRegistry meters;

    @Test
    void deliveriesDeliveredBeforeTheRetentionGoWithTheirAttemptsInBatches() {
        String instance = uniqueInstance();
        // 7 delivered 40 days ago, 1 delivered yesterday, 1 dead and 1 pending from 40 days ago
        for (int i = 0; i < 7; i++) {
            delivery(instance, "old-" + i, "delivered", "40 days");
        }
        delivery(instance, "recent", "delivered", "1 day");
        delivery(instance, "dead", "dead", "40 days");
        delivery(instance, "pending", "pending", "40 days");
        // a registry of its own: the route's timer may purge the same rows meanwhile and count them in the bundle's
        SimpleMeterRegistry own = new SimpleMeterRegistry();

        long removed = new CrmDeliveryRetention(jdbc, own,
                TestSettings.bind(CrmSettings.class, "CRM_DELIVERY_RETENTION=30d", "CRM_DELIVERY_RETENTION_BATCH=3")).purge();

        assertThat(jdbc.queryForList("select event_id from crm_delivery where instance = ? order by event_id",
                String.class, instance)).containsExactly(instance + "-dead", instance + "-pending", instance + "-recent");
        assertThat(jdbc.queryForList("""
                select distinct event_id from crm_delivery_attempt where event_id like ? order by event_id
                """, String.class, instance + "-%"))
                .containsExactly(instance + "-dead", instance + "-pending", instance + "-recent");
        assertThat(own.counter("bundle.crm.deliveries.purged").count()).isEqualTo((double) removed);
    }

    @Test
    void aRetentionOfZeroKeepsEverything() {
        String instance = uniqueInstance();
        delivery(instance, "ancient", "delivered", "400 days");

        assertThat(new CrmDeliveryRetention(jdbc, meters,
                TestSettings.bind(CrmSettings.class, "CRM_DELIVERY_RETENTION=0", "CRM_DELIVERY_RETENTION_BATCH=100")).purge()).isZero();
        assertThat(count("select count(*) from crm_delivery where instance = ?", instance)).isEqualTo(1);
    }

    @Test
    void theRouteRunsTheRetentionOnItsTimer() {
        assertThat(camelContext.getRoute("crm-delivery-retention")).isNotNull();
        assertThat(List.of(camelContext.getRoute("crm-delivery-retention").getEndpoint().getEndpointUri()))
                .singleElement().asString().startsWith("timer://crm-delivery-retention");
    }

    private void delivery(String instance, String name, String state, String age) {
        String eventId = instance + "-" + name;
        jdbc.update("""
                insert into crm_delivery (event_id, seq, ordering_key, instance, event_type, state, created_at,
                                          delivered_at, dead_at)
                values (?, -1, ? || '|chat', ?, 'messages.upsert', ?, now() - ?::interval,
                        case when ? = 'delivered' then now() - ?::interval end,
                        case when ? = 'dead' then now() - ?::interval end)
                """, eventId, instance, instance, state, age, state, age, state, age);
        for (int attempt = 1; attempt <= 2; attempt++) {
            jdbc.update("""
                    insert into crm_delivery_attempt (event_id, attempt, attempted_at, status_code, latency_ms)
                    values (?, ?, now() - ?::interval, 200, 5)
                    """, eventId, attempt, age);
        }
    }
}
