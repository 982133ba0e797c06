package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.outbound.OutboundStatus.FAILED;
import static kz.qazedu.bundle.outbound.OutboundStatus.QUEUED;
import static kz.qazedu.bundle.outbound.OutboundStatus.SENDING;
import static kz.qazedu.bundle.outbound.OutboundStatus.UNKNOWN;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import kz.qazedu.bundle.whatsapp.EvolutionSettings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * What no event triggers:
 * <ul>
 *   <li>a message handed to the broker long ago and never taken (a broker that lost its store) goes back to the
 *       dispatcher; a second copy is harmless, the sender only sends {@code queued} messages;</li>
 *   <li>a message left {@code sending} by a bundle that stopped mid-call becomes {@code unknown};</li>
 *   <li>an {@code unknown} send that no {@code send.message} webhook confirmed within the window is decided:
 *       {@code failed} (the default: a missing reminder is better than a double one) or, with
 *       {@code OUTBOUND_UNCONFIRMED_ACTION=resend}, queued again.</li>
 * </ul>
 */
@Component("outboundHousekeeping")
public class OutboundHousekeeping {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundHousekeeping.class);

    private final JdbcTemplate jdbc;
    private final OutboundStatusWriter statuses;
    private final Clock clock;
    private final Duration redispatchAfter;
    private final Duration sendingTimeout;
    private final Duration unconfirmedWindow;
    private final boolean resendUnconfirmed;
    private final long lockKey;

    public OutboundHousekeeping(
            JdbcTemplate jdbc,
            OutboundStatusWriter statuses,
            Clock clock,
            OutboundSettings settings,
            EvolutionSettings evolution,
            InstancePacing pacing) {
        this.jdbc = jdbc;
        this.statuses = statuses;
        this.clock = clock;
        this.redispatchAfter = settings.redispatchAfter();
        this.unconfirmedWindow = settings.unconfirmedWindow();
        this.sendingTimeout = evolution.timeoutMs().plus(pacing.longestTyping()).multipliedBy(2);
        this.lockKey = settings.housekeepingLockKey();
        this.resendUnconfirmed = settings.unconfirmedAction().trim().equalsIgnoreCase("resend");
    }

    /** One replica at a time (an advisory lock); each row is re-read under its lock before it is changed. */
    @Transactional
    public void run() {
        if (!Boolean.TRUE.equals(jdbc.queryForObject("select pg_try_advisory_xact_lock(?)", Boolean.class, lockKey))) {
            return;
        }
        Instant now = clock.instant();
        int redispatched = jdbc.update("""
                update outbound_message set dispatched_at = null, updated_at = ?
                 where status = %s and dispatched_at < ?
                """.formatted(QUEUED.sql()), ts(now), ts(now.minus(redispatchAfter)));
        if (redispatched > 0) {
            LOG.warn("{} outbound messages were not taken from the broker within {}; dispatching them again",
                    redispatched, redispatchAfter);
        }
        for (String id : attemptedBefore(SENDING, now.minus(sendingTimeout))) {
            jdbc.update("update outbound_message set sent_at = coalesce(sent_at, attempted_at) where id = ?", id);
            statuses.change(id, UNKNOWN, OutboundReason.UNCONFIRMED,
                    "the bundle stopped while sending; waiting for a confirmation", null, now);
        }
        for (String id : attemptedBefore(UNKNOWN, now.minus(unconfirmedWindow))) {
            if (resendUnconfirmed) {
                jdbc.update("update outbound_message set not_before = ?, sent_at = null where id = ?", ts(now), id);
                statuses.force(id, QUEUED, OutboundReason.RESENDING_UNCONFIRMED,
                        "no confirmation within " + unconfirmedWindow + "; sending again", now);
            } else {
                statuses.change(id, FAILED, OutboundReason.UNCONFIRMED,
                        "no answer from Evolution and no confirmation within " + unconfirmedWindow
                                + "; not sent again to avoid a duplicate", null, now);
            }
        }
    }

    /**
     * Messages in {@code status} whose last attempt started before {@code before}, locked, oldest first. The status
     * is written into the statement, so that the partial indexes over it apply.
     */
    private List<String> attemptedBefore(OutboundStatus status, Instant before) {
        return jdbc.queryForList("""
                select id from outbound_message where status = %s and attempted_at < ?
                 order by seq limit 500 for update skip locked
                """.formatted(status.sql()), String.class, ts(before));
    }

    private static Timestamp ts(Instant instant) {
        return Timestamp.from(instant);
    }
}
