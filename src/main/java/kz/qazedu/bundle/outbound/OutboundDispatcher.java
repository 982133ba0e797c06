package kz.qazedu.bundle.outbound;

import java.sql.Timestamp;
import java.time.Clock;
import java.util.List;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Hands each instance's oldest ready message to the broker, one per instance at a time: only when the instance has
 * nothing on the broker or at Evolution, is connected (or its state is unknown), is neither paused nor held, and
 * its pacing gap is over. The backlog stays in PostgreSQL, however long, and the broker only ever holds a message
 * per instance. The route runs this in a PostgreSQL transaction around the broker transaction; its advisory lock
 * makes one replica the dispatcher at a time.
 */
@Component("outboundDispatcher")
public class OutboundDispatcher {

    /**
     * Instances with waiting messages by a loose index scan over {@code outbound_message_ready}, and for each the
     * oldest message whose own time has come. The statuses are written into the statement, as the partial indexes
     * spell them, so that the planner uses those indexes.
     */
    private static final String CLAIM_READY = """
            with recursive instances as (
                (select instance from outbound_message
                  where status = %1$s and dispatched_at is null
                  order by instance, seq limit 1)
                union all
                select next.instance
                  from instances i
                  cross join lateral (
                      select instance from outbound_message
                       where status = %1$s and dispatched_at is null and instance > i.instance
                       order by instance, seq limit 1) next),
            heads as (
                select head.id
                  from instances i
                  left join outbound_instance oi on oi.instance = i.instance
                  left join instance conn on conn.name = i.instance
                  cross join lateral (
                      select m.id from outbound_message m
                       where m.instance = i.instance and m.status = %1$s and m.dispatched_at is null
                         and m.not_before <= ?
                       order by m.seq limit 1) head
                 where oi.paused_at is null
                   and (oi.held_until is null or oi.held_until <= ?)
                   and (oi.next_send_at is null or oi.next_send_at <= ?)
                   and (conn.state is null or conn.state = 'open')
                   and not exists (
                       select 1 from outbound_message f
                        where f.instance = i.instance
                          and (f.status = %2$s or (f.status = %1$s and f.dispatched_at is not null))))
            update outbound_message m
               set dispatched_at = ?, updated_at = ?
              from heads
             where m.id = heads.id
            returning m.id, m.instance
            """.formatted(OutboundStatus.QUEUED.sql(), OutboundStatus.SENDING.sql());

    private final JdbcTemplate jdbc;
    private final Clock clock;
    private final long lockKey;

    public OutboundDispatcher(
            JdbcTemplate jdbc,
            Clock clock,
            OutboundSettings settings) {
        this.jdbc = jdbc;
        this.clock = clock;
        this.lockKey = settings.lockKey();
    }

    /** The messages to put on the broker now; none when another replica dispatches. Must run in a transaction. */
    public List<Dispatch> claimReady() {
        Boolean leader = jdbc.queryForObject("select pg_try_advisory_xact_lock(?)", Boolean.class, lockKey);
        if (!Boolean.TRUE.equals(leader)) {
            return List.of();
        }
        Timestamp now = Timestamp.from(clock.instant());
        return jdbc.query(CLAIM_READY, (row, i) -> new Dispatch(row.getString("id"), row.getString("instance")),
                now, now, now, now, now);
    }

    /** A message on its way to the paced sender; the instance is its message group. */
    public record Dispatch(String id, String instance) {
    }
}
