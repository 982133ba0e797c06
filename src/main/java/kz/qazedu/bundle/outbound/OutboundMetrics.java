package kz.qazedu.bundle.outbound;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import kz.qazedu.bundle.instance.InstanceTags;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Gauges of the send queue per instance, refreshed by the housekeeping route on every replica:
 * {@code bundle_outbound_waiting} (messages waiting their turn in PostgreSQL) and {@code bundle_outbound_paused}
 * (1 while the instance's sending is paused; for {@code instance="other"}, how many such instances). Sends by
 * outcome are counted where they happen ({@code bundle_outbound_sends_total}). Instances are tagged by
 * {@link InstanceTags}: names the bundle does not know share one tag.
 */
@Component("outboundMetrics")
public class OutboundMetrics {

    private final JdbcTemplate jdbc;
    private final InstanceTags tags;
    private final MultiGauge waiting;
    private final MultiGauge paused;

    public OutboundMetrics(JdbcTemplate jdbc, MeterRegistry meters, InstanceTags tags) {
        this.jdbc = jdbc;
        this.tags = tags;
        this.waiting = MultiGauge.builder("bundle.outbound.waiting")
                .description("Outbound messages waiting in PostgreSQL for their turn").register(meters);
        this.paused = MultiGauge.builder("bundle.outbound.paused")
                .description("1 while the instance's sending is paused").register(meters);
    }

    public void refresh() {
        // an index-only scan of outbound_message_ready: the table itself keeps every message ever sent
        Map<String, Long> queued = new TreeMap<>();
        jdbc.query("""
                select instance, count(*) as waiting from outbound_message
                 where status = %s and dispatched_at is null group by instance
                """.formatted(OutboundStatus.QUEUED.sql()), row -> {
            queued.merge(tags.of(row.getString("instance")), row.getLong("waiting"), Long::sum);
        });
        waiting.register(rows(queued), true);
        Map<String, Long> pausedInstances = new TreeMap<>();
        jdbc.query("""
                select instance, case when paused_at is null then 0 else 1 end as paused from outbound_instance
                """, row -> {
            pausedInstances.merge(tags.of(row.getString("instance")), row.getLong("paused"), Long::sum);
        });
        paused.register(rows(pausedInstances), true);
    }

    private static List<MultiGauge.Row<?>> rows(Map<String, Long> byTag) {
        List<MultiGauge.Row<?>> rows = new ArrayList<>();
        byTag.forEach((tag, value) -> rows.add(MultiGauge.Row.of(Tags.of("instance", tag), value)));
        return rows;
    }
}
