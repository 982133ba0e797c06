package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.outbound.OutboundStatus.FAILED;
import static kz.qazedu.bundle.outbound.OutboundStatus.QUEUED;
import static kz.qazedu.bundle.outbound.OutboundStatus.SENDING;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.instance.InstanceTags;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Whether a message the broker hands over goes now. One instance's messages always come to one consumer (the
 * instance is the message group); holding the message's and the instance's row locks, this reads what pacing needs
 * and asks {@link PacingPolicy}. If the message goes, it becomes {@code sending}, the instance's next send time is
 * set and the Evolution call is made ready ({@link EvolutionRequests}). If not, it goes back to PostgreSQL to wait:
 * the whole instance waits for quiet hours, a cap, a reconnection or the pacing gap; only this message for an
 * earlier message to the same recipient, its recipient's gap or the first-contact budget. A first contact the rules
 * do not allow at all fails.
 */
@Component("sendClaims")
public class SendClaims {

    private final JdbcTemplate jdbc;
    private final OutboundStatusWriter statuses;
    private final EvolutionRequests requests;
    private final Clock clock;
    private final InstancePacing pacing;
    private final RandomGenerator random;
    private final MeterRegistry meters;
    private final InstanceTags tags;

    public SendClaims(JdbcTemplate jdbc, OutboundStatusWriter statuses, EvolutionRequests requests, Clock clock,
                      InstancePacing pacing, RandomGenerator random, MeterRegistry meters, InstanceTags tags) {
        this.jdbc = jdbc;
        this.statuses = statuses;
        this.requests = requests;
        this.clock = clock;
        this.pacing = pacing;
        this.random = random;
        this.meters = meters;
        this.tags = tags;
    }

    /** The Evolution call to make now for this message, or null when it waits, failed or was already handled. */
    @Transactional
    public SendJob claim(String id) {
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select id, seq, instance, recipient, recipient_jid, kind, text, media::text as media, reply_to,
                       attempts, status, dispatched_at, not_before
                  from outbound_message where id = ? for update
                """, id);
        Instant now = clock.instant();
        if (rows.isEmpty() || !QUEUED.wireName().equals(rows.get(0).get("status"))
                || rows.get(0).get("dispatched_at") == null) {
            // a second copy (the housekeeping put the message on the broker again) of a message handled meanwhile
            return null;
        }
        if (instant(rows.get(0).get("not_before")).isAfter(now)) {
            jdbc.update("update outbound_message set dispatched_at = null where id = ?", id);
            return null;
        }
        Map<String, Object> message = rows.get(0);
        String instance = (String) message.get("instance");
        String recipientJid = (String) message.get("recipient_jid");
        long seq = ((Number) message.get("seq")).longValue();
        PacingRules rules = pacing.forInstance(instance);

        jdbc.update("insert into outbound_instance (instance) values (?) on conflict do nothing", instance);
        Map<String, Object> lane = jdbc.queryForMap("""
                select next_send_at, paused_at, pause_reason from outbound_instance where instance = ? for update
                """, instance);

        List<Map<String, Object>> earlier = jdbc.queryForList("""
                select not_before from outbound_message
                 where instance = ? and recipient_jid = ? and status = %s and seq < ?
                 order by seq limit 1
                """.formatted(QUEUED.sql()), instance, recipientJid, seq);
        if (!earlier.isEmpty()) {
            Instant until = max(instant(earlier.get(0).get("not_before")), now.plusSeconds(1));
            waitMessage(id, until, "after an earlier message to the same recipient", now);
            return null;
        }

        PacingState state = pacingState(instance, recipientJid, rules, lane, now);
        String text = (String) message.get("text");
        PacingDecision decision = PacingPolicy.decide(rules, state, text == null ? 0 : text.length(), random);

        if (decision instanceof PacingDecision.Wait wait) {
            if (wait.holdsInstance()) {
                jdbc.update("""
                        update outbound_instance set held_until = ?, held_reason = ?, updated_at = ? where instance = ?
                        """, ts(wait.until() == null ? now : wait.until()), wait.reason(), ts(now), instance);
                waitMessage(id, now, wait.reason(), now);
            } else {
                waitMessage(id, wait.until(), wait.reason(), now);
            }
            return null;
        }
        if (decision instanceof PacingDecision.Fail fail) {
            jdbc.update("update outbound_message set dispatched_at = null where id = ?", id);
            statuses.change(id, FAILED, OutboundReason.FIRST_CONTACT_NOT_ALLOWED, fail.reason(), null, now);
            meters.counter("bundle.outbound.sends", "instance", tags.of(instance), "outcome",
                    OutboundReason.FIRST_CONTACT_NOT_ALLOWED.code()).increment();
            return null;
        }
        PacingDecision.Send send = (PacingDecision.Send) decision;
        int attempt = ((Number) message.get("attempts")).intValue() + 1;
        jdbc.update("""
                update outbound_message
                   set dispatched_at = null, attempted_at = ?, attempts = ?, first_contact = ?, waiting_reason = null,
                       updated_at = ?
                 where id = ?
                """, ts(now), attempt, state.firstContact(), ts(now), id);
        statuses.force(id, SENDING, null, null, now);
        jdbc.update("""
                update outbound_instance set next_send_at = ?, held_until = null, held_reason = null, updated_at = ?
                 where instance = ?
                """, ts(send.nextSendAt()), ts(now), instance);
        return requests.job(message, send.typing().toMillis(), attempt);
    }

    /** What pacing needs to know about the instance and the recipient now. */
    private PacingState pacingState(String instance, String recipientJid, PacingRules rules, Map<String, Object> lane,
                                    Instant now) {
        List<Map<String, Object>> connection = jdbc.queryForList(
                "select state, state_changed_at from instance where name = ?", instance);
        // like the dispatcher: an instance without a known state counts as connected
        Object connectionState = connection.isEmpty() ? null : connection.get(0).get("state");
        boolean connected = connectionState == null || "open".equals(connectionState);
        Instant connectedSince = connectionState == null ? null : instant(connection.get(0).get("state_changed_at"));

        Instant dayStart = PacingPolicy.startOfDay(now, rules.zone());
        Instant countFrom = connectedSince != null && connectedSince.isBefore(dayStart) ? connectedSince : dayStart;
        Map<String, Object> counts = jdbc.queryForMap("""
                select count(*) filter (where sent_at >= ?) as sent_today,
                       count(*) filter (where sent_at >= ? and first_contact) as first_contacts_today,
                       count(*) filter (where sent_at >= ?) as since_connected
                  from outbound_message where instance = ? and sent_at >= ?
                """, ts(dayStart), ts(dayStart), ts(connectedSince == null ? now : connectedSince), instance,
                ts(countFrom));
        Instant lastToRecipient = instant(jdbc.queryForObject("""
                select max(sent_at) from outbound_message where instance = ? and recipient_jid = ?
                """, Timestamp.class, instance, recipientJid));
        boolean firstContact = !Boolean.TRUE.equals(jdbc.queryForObject("""
                select exists (select 1 from message
                                where instance = ? and direction = 'inbound' and (chat_jid = ? or chat_lid = ?))
                """, Boolean.class, instance, recipientJid, recipientJid));

        return new PacingState(now, connected, connectedSince, lane.get("paused_at") != null,
                (String) lane.get("pause_reason"), instant(lane.get("next_send_at")),
                count(counts, "sent_today"), count(counts, "first_contacts_today"), firstContact, lastToRecipient,
                count(counts, "since_connected"));
    }

    private void waitMessage(String id, Instant until, String reason, Instant now) {
        jdbc.update("""
                update outbound_message set dispatched_at = null, not_before = ?, waiting_reason = ?, updated_at = ?
                 where id = ?
                """, ts(until == null ? now : until), reason, ts(now), id);
    }

    private static int count(Map<String, Object> counts, String key) {
        return ((Number) counts.get(key)).intValue();
    }

    private static Instant instant(Object value) {
        return value instanceof Timestamp timestamp ? timestamp.toInstant() : null;
    }

    private static Instant max(Instant a, Instant b) {
        return a == null || b.isAfter(a) ? b : a;
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }
}
