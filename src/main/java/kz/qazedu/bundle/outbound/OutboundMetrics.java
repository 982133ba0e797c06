package kz.qazedu.bundle.outbound;

import java.util.List;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Gauges of the send queue per instance, refreshed by the housekeeping route on every replica:
 * {@code bundle_outbound_waiting} (messages waiting their turn in PostgreSQL) and {@code bundle_outbound_paused}
 * (1 while the instance's sending is paused). Sends by outcome are counted where they happen
 * ({@code bundle_outbound_sends_total}).
 */
@Component("outboundMetrics")
public class OutboundMetrics {

    private final JdbcTemplate jdbc;
    private final MultiGauge waiting;
    private final MultiGauge paused;

    public OutboundMetrics(JdbcTemplate jdbc, MeterRegistry meters) {
        this.jdbc = jdbc;
        this.waiting = MultiGauge.builder("bundle.outbound.waiting")
                .description("Outbound messages waiting in PostgreSQL for their turn").register(meters);
        this.paused = MultiGauge.builder("bundle.outbound.paused")
                .description("1 while the instance's sending is paused").register(meters);
    }

    public void refresh() {
        // an index-only scan of outbound_message_ready: the table itself keeps every message ever sent
        List<MultiGauge.Row<?>> queued = jdbc.query("""
                select instance, count(*) as waiting from outbound_message
                 where status = 'queued' and dispatched_at is null group by instance
                """, (row, i) -> MultiGauge.Row.of(Tags.of("instance", row.getString("instance")),
                row.getLong("waiting")));
        waiting.register(queued, true);
        List<MultiGauge.Row<?>> pausedRows = jdbc.query("""
                select instance, case when paused_at is null then 0 else 1 end as paused from outbound_instance
                """, (row, i) -> MultiGauge.Row.of(Tags.of("instance", row.getString("instance")),
                row.getInt("paused")));
        paused.register(pausedRows, true);
    }
}
