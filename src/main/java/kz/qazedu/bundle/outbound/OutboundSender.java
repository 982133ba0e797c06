package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.outbound.OutboundStatus.FAILED;
import static kz.qazedu.bundle.outbound.OutboundStatus.QUEUED;
import static kz.qazedu.bundle.outbound.OutboundStatus.SENDING;
import static kz.qazedu.bundle.outbound.OutboundStatus.SENT;
import static kz.qazedu.bundle.outbound.OutboundStatus.UNKNOWN;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.random.RandomGenerator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.instance.InstanceTags;
import kz.qazedu.bundle.runtime.RetrySchedule;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The paced sender's decisions. {@link #claim} runs for each message the broker hands over (one instance's
 * messages always to one consumer: the instance is the message group) and, holding the instance's row lock, asks
 * {@link PacingPolicy} whether the message goes now: if so it becomes {@code sending} and the instance's next send
 * time is set; if not it goes back to PostgreSQL to wait (the whole instance waits for quiet hours, a cap, a
 * reconnection or the pacing gap; only this message for its recipient's gap or the first-contact budget).
 * {@link #recordAnswer} and {@link #recordError} turn Evolution's answer into the message's status:
 * <ul>
 *   <li>sent: 201 with the WhatsApp id; webhooks then move it on (delivered, read, played)</li>
 *   <li>failed: not on WhatsApp, any other rejection, or a configuration error (401/404), which also pauses the
 *       instance</li>
 *   <li>queued again with backoff: nothing was sent (connection refused, 500, 503); after the last retry, failed</li>
 *   <li>queued again, the instance held: Evolution says the instance lost its connection</li>
 *   <li>unknown: the request went out but no answer came back; never sent again blindly, since a duplicate
 *       reminder is worse than a late one. The {@code send.message} webhook confirms it, or the housekeeping
 *       decides after the unconfirmed window.</li>
 * </ul>
 * Repeated failures in a row pause the instance, a sign that WhatsApp may be restricting the number.
 */
@Component("outboundSender")
public class OutboundSender {

    private static final Logger LOG = LoggerFactory.getLogger(OutboundSender.class);

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final Clock clock;
    private final InstancePacing pacing;
    private final InstanceSending sending;
    private final RandomGenerator random;
    private final RetrySchedule retries;
    private final int pauseAfterFailures;
    private final MeterRegistry meters;
    private final InstanceTags tags;
    private final OutboundStatusWriter statuses;

    public OutboundSender(
            JdbcTemplate jdbc,
            OutboundStatusWriter statuses,
            ObjectMapper json,
            Clock clock,
            InstancePacing pacing,
            InstanceSending sending,
            RandomGenerator random,
            MeterRegistry meters,
            InstanceTags tags,
            @Value("${bundle.outbound.retry-schedule}") String retrySchedule,
            @Value("${bundle.outbound.pause-after-failures}") int pauseAfterFailures) {
        this.jdbc = jdbc;
        this.statuses = statuses;
        this.json = json;
        this.clock = clock;
        this.pacing = pacing;
        this.sending = sending;
        this.random = random;
        this.meters = meters;
        this.tags = tags;
        this.retries = new RetrySchedule(retrySchedule);
        this.pauseAfterFailures = pauseAfterFailures;
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

        PacingState state = new PacingState(now, connected, connectedSince, lane.get("paused_at") != null,
                (String) lane.get("pause_reason"), instant(lane.get("next_send_at")),
                count(counts, "sent_today"), count(counts, "first_contacts_today"), firstContact, lastToRecipient,
                count(counts, "since_connected"));
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
            meters.counter("bundle.outbound.sends", "instance", tags.of(instance), "outcome", "first_contact_not_allowed")
                    .increment();
            return null;
        }
        PacingDecision.Send send = (PacingDecision.Send) decision;
        int attempt = ((Number) message.get("attempts")).intValue() + 1;
        jdbc.update("""
                update outbound_message
                   set dispatched_at = null, attempted_at = ?, attempts = ?, first_contact = ?, waiting_reason = null,
                       updated_at = ?
                 where id = ?
                """, ts(now), attempt, firstContact, ts(now), id);
        statuses.force(id, SENDING, null, null, now);
        jdbc.update("""
                update outbound_instance set next_send_at = ?, held_until = null, held_reason = null, updated_at = ?
                 where instance = ?
                """, ts(send.nextSendAt()), ts(now), instance);
        long typingMs = send.typing().toMillis();
        return new SendJob(id, instance, "text".equals(message.get("kind")) ? "sendText" : "sendMedia",
                URLEncoder.encode(instance, StandardCharsets.UTF_8).replace("+", "%20"),
                requestBody(message, typingMs), typingMs, attempt);
    }

    /** Evolution answered. */
    @Transactional
    public void recordAnswer(SendJob job, Integer httpStatus, String body) {
        EvolutionOutcome outcome = httpStatus == null
                ? EvolutionAnswers.classify(new IllegalStateException("no HTTP status"))
                : EvolutionAnswers.classify(httpStatus, body);
        if (outcome.kind() == EvolutionOutcome.Kind.CONFIGURATION_ERROR && httpStatus == 404
                && !Boolean.TRUE.equals(jdbc.queryForObject("select exists (select 1 from instance where name = ?)",
                        Boolean.class, job.instance()))) {
            // an instance no webhook ever came from: probably a mistyped name in the request. The message fails as a
            // configuration error (health lists the name), but there is no instance of that name to pause.
            apply(job, new EvolutionOutcome(EvolutionOutcome.Kind.REJECTED, null, outcome.reason()),
                    OutboundReason.CONFIGURATION, false);
            return;
        }
        apply(job, outcome, null, httpStatus != null && httpStatus >= 500);
    }

    /** The call failed without an answer (only the HTTP call's own errors come here). */
    @Transactional
    public void recordError(SendJob job, Exception error) {
        apply(job, EvolutionAnswers.classify(error), null, false);
    }

    /**
     * Applies Evolution's outcome, unless a webhook has meanwhile moved the message on ({@code send.message} often
     * comes before Evolution's HTTP answer): then only a WhatsApp id is worth keeping, and nothing counts against
     * the instance.
     *
     * @param failureCode  the reason code of a failure, when not the outcome's own
     * @param serverError  Evolution answered 5xx: the message may have gone out after all
     */
    private void apply(SendJob job, EvolutionOutcome outcome, OutboundReason failureCode, boolean serverError) {
        Instant now = clock.instant();
        meters.counter("bundle.outbound.sends", "instance", tags.of(job.instance()), "outcome",
                failureCode != null ? failureCode.code() : outcome.kind().name().toLowerCase()).increment();
        if (outcome.kind() == EvolutionOutcome.Kind.SENT) {
            statuses.change(job.id(), SENT, null, null, outcome.waMessageId(), now);
            paceFromNow(job, now);
            jdbc.update("""
                    update outbound_instance set consecutive_failures = 0, consecutive_disconnects = 0, updated_at = ?
                     where instance = ?
                    """, ts(now), job.instance());
            return;
        }
        String current = jdbc.queryForObject("select status from outbound_message where id = ? for update",
                String.class, job.id());
        paceFromNow(job, now);
        if (!SENDING.wireName().equals(current)) {
            LOG.info("Send of {} on instance {} is already {}; Evolution's outcome ({}) changes nothing",
                    job.id(), job.instance(), current, outcome.reason());
            return;
        }
        switch (outcome.kind()) {
            case NOT_ON_WHATSAPP -> failed(job, OutboundReason.NOT_ON_WHATSAPP, outcome.reason(), now);
            case REJECTED -> {
                if (failureCode != null) {
                    // the request's own mistake, not the number's: nothing counts against the instance
                    statuses.change(job.id(), FAILED, failureCode, outcome.reason(), null, now);
                } else {
                    failed(job, OutboundReason.REJECTED, outcome.reason(), now);
                }
            }
            case CONFIGURATION_ERROR -> {
                statuses.change(job.id(), FAILED, OutboundReason.CONFIGURATION, outcome.reason(), null, now);
                sending.pause(job.instance(), "configuration", outcome.reason());
            }
            case RETRY -> {
                Duration delay = retries.delayAfter(job.attempt());
                if (delay == null) {
                    failed(job, OutboundReason.RETRIES_EXHAUSTED,
                            outcome.reason() + " (after " + job.attempt() + " attempts)", now);
                } else {
                    requeue(job, now.plus(delay), "retry after: " + outcome.reason());
                    // after a 5xx the message may have gone out: a send.message can still confirm it
                    statuses.force(job.id(), QUEUED,
                            serverError ? OutboundReason.RETRYING_SERVER_ERROR : OutboundReason.RETRYING,
                            outcome.reason(), now);
                    countFailure(job, outcome.reason(), now);
                }
            }
            case DISCONNECTED -> disconnected(job, outcome.reason(), now);
            case UNKNOWN -> {
                jdbc.update("update outbound_message set sent_at = ? where id = ?", ts(now), job.id());
                statuses.change(job.id(), UNKNOWN, OutboundReason.UNCONFIRMED, outcome.reason(), null, now);
                countFailure(job, outcome.reason(), now);
            }
        }
    }

    /**
     * The number lost WhatsApp: the message goes back to the queue (not counted as an attempt) and the instance
     * waits, longer each time in a row (the retry schedule); after as many in a row as pause the instance on
     * failures, it is paused: the phone needs someone's hand.
     */
    private void disconnected(SendJob job, String reason, Instant now) {
        requeue(job, now, reason);
        jdbc.update("update outbound_message set attempts = attempts - 1 where id = ?", job.id());
        statuses.force(job.id(), QUEUED, OutboundReason.INSTANCE_DISCONNECTED, reason, now);
        Integer inARow = jdbc.queryForObject("""
                update outbound_instance set consecutive_disconnects = consecutive_disconnects + 1, updated_at = ?
                 where instance = ? returning consecutive_disconnects
                """, Integer.class, ts(now), job.instance());
        int times = inARow == null ? 1 : inARow;
        if (pauseAfterFailures > 0 && times >= pauseAfterFailures) {
            sending.pause(job.instance(), "disconnected",
                    "Evolution answered Connection Closed " + times + " times in a row; reconnect the number, then resume");
            return;
        }
        Duration hold = retries.delayAfter(times);
        if (hold == null) {
            hold = retries.longest();
        }
        jdbc.update("""
                update outbound_instance set held_until = ?, held_reason = ?, updated_at = ? where instance = ?
                """, ts(now.plus(hold)), reason, ts(now), job.instance());
    }

    /**
     * Counts the instance's gap from the moment Evolution answered, when the message is out, rather than from the
     * decision: a call that took long to start (a new connection, a slow commit) must not bring the next send
     * closer. The next send starts after the drawn gap, and never sooner than 60 s / maxPerMinute.
     */
    private void paceFromNow(SendJob job, Instant now) {
        Duration spacing = PacingPolicy.spacing(pacing.forInstance(job.instance()));
        jdbc.update("""
                update outbound_instance oi
                   set next_send_at = greatest(oi.next_send_at, ?::timestamptz + greatest(
                           (oi.next_send_at - m.attempted_at) - make_interval(secs => ?),
                           make_interval(secs => ?))),
                       updated_at = ?
                  from outbound_message m
                 where m.id = ? and oi.instance = m.instance and m.attempted_at is not null
                """, ts(now), job.typingMs() / 1000.0, spacing.toMillis() / 1000.0, ts(now), job.id());
    }

    private void requeue(SendJob job, Instant notBefore, String reason) {
        jdbc.update("update outbound_message set not_before = ?, waiting_reason = ? where id = ?",
                ts(notBefore), reason, job.id());
    }

    private void failed(SendJob job, OutboundReason code, String reason, Instant now) {
        statuses.change(job.id(), FAILED, code, reason, null, now);
        countFailure(job, reason, now);
    }

    private void countFailure(SendJob job, String reason, Instant now) {
        Integer failures = jdbc.queryForObject("""
                update outbound_instance set consecutive_failures = consecutive_failures + 1, updated_at = ?
                 where instance = ? returning consecutive_failures
                """, Integer.class, ts(now), job.instance());
        LOG.info("Send of {} on instance {} failed ({} in a row): {}", job.id(), job.instance(), failures, reason);
        if (failures != null && pauseAfterFailures > 0 && failures >= pauseAfterFailures) {
            sending.pause(job.instance(), "repeated_failures",
                    failures + " sends in a row failed; the last: " + reason);
        }
    }

    private void waitMessage(String id, Instant until, String reason, Instant now) {
        jdbc.update("""
                update outbound_message set dispatched_at = null, not_before = ?, waiting_reason = ?, updated_at = ?
                 where id = ?
                """, ts(until == null ? now : until), reason, ts(now), id);
    }

    /** Evolution's sendText or sendMedia body. */
    private String requestBody(Map<String, Object> message, long typingMs) {
        ObjectNode body = json.createObjectNode();
        body.put("number", (String) message.get("recipient"));
        String text = (String) message.get("text");
        if ("text".equals(message.get("kind"))) {
            body.put("text", text);
        } else {
            JsonNode media = read((String) message.get("media"));
            body.put("mediatype", (String) message.get("kind"));
            if (media.hasNonNull("mimetype")) {
                body.put("mimetype", media.get("mimetype").asText());
            }
            if (text != null) {
                body.put("caption", text);
            }
            if (media.hasNonNull("fileName")) {
                body.put("fileName", media.get("fileName").asText());
            }
            body.put("media", media.path("url").asText());
        }
        body.put("delay", typingMs);
        if (message.get("reply_to") != null) {
            body.putObject("quoted").putObject("key").put("id", (String) message.get("reply_to"));
        }
        return body.toString();
    }

    private JsonNode read(String media) {
        try {
            return json.readTree(media);
        } catch (Exception e) {
            throw new IllegalStateException("stored media is not JSON", e);
        }
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
