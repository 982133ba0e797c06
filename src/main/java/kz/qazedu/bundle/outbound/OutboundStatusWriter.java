package kz.qazedu.bundle.outbound;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;

import kz.qazedu.bundle.event.EventTypes;
import kz.qazedu.bundle.whatsapp.MessageStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Every status change of an outbound message goes through here: the sender's decisions and Evolution's answers
 * ({@link SendClaims}, {@link SendOutcomes}), the housekeeping, and WhatsApp's webhooks
 * ({@link OutboundConfirmations}). A change moves the message ({@code outbound_message}), adds it to its history
 * ({@code outbound_message_status}) and journals an {@code outbound.status} event for the CRM and the streams,
 * all in the caller's transaction.
 *
 * <p>Unless forced, a status only moves forward by {@link OutboundStatus#rank()}; the one way back is evidence that
 * a send which failed without confirmation (unconfirmed, or out of retries after 5xx answers) did go out. A
 * WhatsApp id is attached under the advisory lock the message tables take for the messages the bundle may have sent
 * ({@code instance|id}, see {@code MessageRepository}): a status webhook either committed before (and is in
 * {@code message_status}) or waits and then finds the id. The statuses WhatsApp reported for the message before it
 * was known as the bundle's apply at once. Each change runs in the caller's transaction, or in one of its own.
 */
@Component("outboundStatusWriter")
@Transactional
public class OutboundStatusWriter {

    /** WhatsApp's statuses that move a message of the bundle's on. */
    private static final String[] REPORTS_THAT_COUNT = Arrays.stream(MessageStatus.values())
            .filter(status -> OutboundStatus.reportedAs(status) != null).map(MessageStatus::name).toArray(String[]::new);

    /** The history entry and the {@code outbound.status} event of a change, in one statement. */
    private static final String HISTORY_AND_EVENT = """
            with history as (
                insert into outbound_message_status (message_id, status, reason_code, reason, at)
                values (?, ?, ?, ?, ?)
                returning id)
            select journal_bundle_event('evt_out_' || h.id, ?, m.instance, m.recipient_jid, m.wa_message_id,
                       jsonb_build_object(
                           'event', ?::text,
                           'instance', m.instance,
                           'data', jsonb_strip_nulls(jsonb_build_object(
                               'id', m.id,
                               'crmMessageId', m.crm_message_id,
                               'to', m.recipient,
                               'chatId', m.recipient_jid,
                               'waMessageId', m.wa_message_id,
                               'status', ?::text,
                               'reasonCode', ?::text,
                               'reason', ?::text,
                               'attempts', m.attempts,
                               'at', ?::timestamptz))),
                       ?)::text
              from history h
              join outbound_message m on m.id = ?
            """;

    private final JdbcTemplate jdbc;

    public OutboundStatusWriter(JdbcTemplate jdbc) {
        this.jdbc = jdbc;
    }

    /** The first entry of a new message's history: it is stored {@link OutboundStatus#QUEUED}. */
    public void created(String id, Instant at) {
        jdbc.update("insert into outbound_message_status (message_id, status, at) values (?, ?, ?)",
                id, OutboundStatus.QUEUED.wireName(), ts(at));
    }

    /**
     * Moves the message to {@code status} if that is forward (or the one way back), attaching {@code waMessageId}
     * when it has none yet.
     *
     * @return whether the status changed
     */
    public boolean change(String id, OutboundStatus status, OutboundReason reason, String reasonText,
                          String waMessageId, Instant at) {
        return change(id, status, reason, reasonText, waMessageId, at, false);
    }

    /** Moves the message to {@code status} whatever its rank: back to the queue, or on to sending. */
    public void force(String id, OutboundStatus status, OutboundReason reason, String reasonText, Instant at) {
        change(id, status, reason, reasonText, null, at, true);
    }

    /**
     * WhatsApp's report about the message of the instance with this WhatsApp id, if it is the bundle's: sent,
     * delivered, read, played, or failed on an ERROR.
     */
    public void followReport(String instance, String waMessageId, MessageStatus reported, Instant at) {
        OutboundStatus status = OutboundStatus.reportedAs(reported);
        if (status == null) {
            return;
        }
        List<String> ids = jdbc.queryForList(
                "select id from outbound_message where instance = ? and wa_message_id = ? order by seq limit 1",
                String.class, instance, waMessageId);
        if (ids.isEmpty()) {
            return;
        }
        if (status == OutboundStatus.FAILED) {
            change(ids.get(0), status, OutboundReason.WHATSAPP_ERROR, "WhatsApp reported an error", waMessageId, at);
        } else {
            change(ids.get(0), status, null, null, waMessageId, at);
        }
    }

    /** The time of the caller's transaction, as PostgreSQL's {@code now()} has it. */
    public Instant transactionTime() {
        return jdbc.queryForObject("select now()", Timestamp.class).toInstant();
    }

    private boolean change(String id, OutboundStatus status, OutboundReason reason, String reasonText,
                           String waMessageId, Instant at, boolean force) {
        if (waMessageId != null) {
            List<String> instance = jdbc.queryForList("select instance from outbound_message where id = ?",
                    String.class, id);
            if (instance.isEmpty()) {
                return false;
            }
            jdbc.query("select pg_advisory_xact_lock(hashtextextended(?::text || '|' || ?::text, 0))", row -> null,
                    instance.get(0), waMessageId);
        }
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select instance, status, status_rank, reason_code, wa_message_id
                  from outbound_message where id = ? for update
                """, id);
        if (rows.isEmpty()) {
            return false;
        }
        Map<String, Object> current = rows.get(0);
        String instance = (String) current.get("instance");
        boolean attachesId = waMessageId != null && current.get("wa_message_id") == null;
        if (!force && status.rank() <= ((Number) current.get("status_rank")).intValue()
                && !goesOutAfterAll(current, status)) {
            if (attachesId) {
                jdbc.update("update outbound_message set wa_message_id = ?, updated_at = ? where id = ?",
                        waMessageId, ts(at), id);
                applyEarlierReports(instance, waMessageId);
            }
            return false;
        }
        String code = reason == null ? null : reason.code();
        jdbc.update("""
                update outbound_message
                   set status = ?, status_rank = ?, reason_code = ?, reason = ?,
                       wa_message_id = coalesce(?, wa_message_id),
                       sent_at = case when ? then coalesce(sent_at, ?) else sent_at end,
                       updated_at = ?
                 where id = ?
                """, status.wireName(), status.rank(), code, reasonText, waMessageId, status.wentOut(), ts(at),
                ts(at), id);
        jdbc.queryForList(HISTORY_AND_EVENT, String.class, id, status.wireName(), code, reasonText, ts(at),
                EventTypes.OUTBOUND_STATUS, EventTypes.OUTBOUND_STATUS, status.wireName(), code, reasonText, ts(at),
                ts(at), id);
        if (attachesId) {
            applyEarlierReports(instance, waMessageId);
        }
        return true;
    }

    /**
     * The one way back: a send that failed without confirmation (no answer, or out of retries after 5xx answers)
     * that WhatsApp now shows went out.
     */
    private static boolean goesOutAfterAll(Map<String, Object> current, OutboundStatus next) {
        OutboundReason reason = OutboundReason.of((String) current.get("reason_code"));
        return OutboundStatus.FAILED.wireName().equals(current.get("status"))
                && (reason == OutboundReason.UNCONFIRMED || reason == OutboundReason.RETRIES_EXHAUSTED)
                && next != OutboundStatus.FAILED;
    }

    /** The highest status WhatsApp reported for the message before the bundle knew it as its own, applied now. */
    private void applyEarlierReports(String instance, String waMessageId) {
        List<String> reported = jdbc.query(connection -> {
            var select = connection.prepareStatement("""
                    select status from message_status
                     where instance = ? and wa_message_id = ? and status = any(?)
                       and from_me is distinct from false
                     order by status_rank desc
                     limit 1
                    """);
            select.setString(1, instance);
            select.setString(2, waMessageId);
            select.setArray(3, connection.createArrayOf("text", REPORTS_THAT_COUNT));
            return select;
        }, (row, i) -> row.getString(1));
        if (!reported.isEmpty()) {
            followReport(instance, waMessageId, MessageStatus.of(Objects.requireNonNull(reported.get(0))),
                    transactionTime());
        }
    }

    private static Timestamp ts(Instant instant) {
        return instant == null ? null : Timestamp.from(instant);
    }
}
