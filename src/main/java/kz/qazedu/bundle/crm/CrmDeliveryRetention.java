package kz.qazedu.bundle.crm;

import java.time.Duration;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Keeps the delivery log from growing for ever: a delivery delivered longer than {@code CRM_DELIVERY_RETENTION}
 * ago is removed with its attempts, a batch of {@code CRM_DELIVERY_RETENTION_BATCH} per statement (each its own
 * short transaction, so the forwarder is never held up), until none is left. Pending deliveries and dead letters
 * stay whatever their age: they still need someone. The stored event itself stays in the journal. Counted in
 * {@code bundle_crm_deliveries_purged_total}. Replicas may run it side by side: a row is removed once.
 */
@Component("crmDeliveryRetention")
public class CrmDeliveryRetention {

    private static final Logger LOG = LoggerFactory.getLogger(CrmDeliveryRetention.class);

    private static final String PURGE_BATCH = """
            with doomed as (
                select event_id from crm_delivery
                 where state = 'delivered' and delivered_at < now() - make_interval(secs => ?)
                 limit ?
                 for update skip locked),
            attempts as (
                delete from crm_delivery_attempt a using doomed d where a.event_id = d.event_id)
            delete from crm_delivery c using doomed d where c.event_id = d.event_id
            """;

    private final JdbcTemplate jdbc;
    private final Duration retention;
    private final int batch;
    private final Counter purged;

    public CrmDeliveryRetention(JdbcTemplate jdbc, MeterRegistry meters,
                                CrmSettings settings) {
        this.jdbc = jdbc;
        this.retention = settings.retention();
        this.batch = settings.retentionBatch();
        this.purged = meters.counter("bundle.crm.deliveries.purged");
    }

    /** @return the deliveries removed */
    public long purge() {
        if (retention.isZero() || retention.isNegative()) {
            return 0;
        }
        long total = 0;
        int removed;
        do {
            removed = jdbc.update(PURGE_BATCH, retention.toSeconds(), batch);
            total += removed;
            purged.increment(removed);
        } while (removed == batch);
        if (total > 0) {
            LOG.info("Removed {} CRM deliveries delivered more than {} ago, with their attempts", total, retention);
        }
        return total;
    }
}
