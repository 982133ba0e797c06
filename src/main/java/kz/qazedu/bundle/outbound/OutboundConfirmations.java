package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.outbound.OutboundReason.RESENDING_UNCONFIRMED;
import static kz.qazedu.bundle.outbound.OutboundReason.RETRIES_EXHAUSTED;
import static kz.qazedu.bundle.outbound.OutboundReason.RETRYING_SERVER_ERROR;
import static kz.qazedu.bundle.outbound.OutboundReason.UNCONFIRMED;
import static kz.qazedu.bundle.outbound.OutboundStatus.FAILED;
import static kz.qazedu.bundle.outbound.OutboundStatus.QUEUED;
import static kz.qazedu.bundle.outbound.OutboundStatus.SENDING;
import static kz.qazedu.bundle.outbound.OutboundStatus.UNKNOWN;

import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import kz.qazedu.bundle.whatsapp.MessageStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * What WhatsApp's webhooks say about the messages the bundle sent, applied in the relay's round: the message store
 * ({@code MessageStore}, the relay route's {@code store-messages} step) calls this in the same PostgreSQL
 * transaction, with the message rows and statuses the round has just added, while it holds their advisory locks.
 * <ul>
 *   <li>a message sent from the instance ({@code send.message}, or an upsert with {@code fromMe}) confirms the
 *       bundle's send with its WhatsApp id; a send whose answer never came (timeout), was a 5xx, or is not recorded
 *       yet has no id: it is matched by kind, recipient and text within a day, the send in flight first, then the
 *       most recent. The send becomes {@code sent}.</li>
 *   <li>a status of a message that may be the bundle's ({@code fromMe} not false) moves its outbound message on:
 *       delivered, read, played, or failed on an ERROR.</li>
 * </ul>
 * Changes go through {@link OutboundStatusWriter}, dated with the transaction's time.
 */
@Component("outboundConfirmations")
public class OutboundConfirmations {

    /**
     * A send that may have gone out without the bundle knowing: the predicate of the partial index
     * {@code outbound_message_unconfirmed}, spelt the same so that the planner uses it.
     */
    private static final String MAY_HAVE_GONE_OUT = ("(status in (%s, %s) or (status = %s and reason_code in (%s, %s))"
            + " or (status = %s and reason_code in (%s, %s)))").formatted(SENDING.sql(), UNKNOWN.sql(), QUEUED.sql(),
            RETRYING_SERVER_ERROR.sql(), RESENDING_UNCONFIRMED.sql(), FAILED.sql(), UNCONFIRMED.sql(),
            RETRIES_EXHAUSTED.sql());

    private static final String UNCONFIRMED_SEND = """
            select id
              from outbound_message
             where instance = ?
               and recipient_jid in (?, ?)
               and kind = ?
               and %s
               and wa_message_id is null
               and attempted_at > now() - interval '1 day'
               and coalesce(text, '') = coalesce(?, '')
             order by status = %s desc, attempted_at desc
             limit 1
            """.formatted(MAY_HAVE_GONE_OUT, SENDING.sql());

    /** A message sent from the instance, as just stored: it may be a send of the bundle's. */
    public record SentMessage(String instance, String waMessageId, String chatJid, String chatLid, String messageType,
                              String body) {
    }

    /** A status just recorded for a message that may be the bundle's. */
    public record ReportedStatus(String instance, String waMessageId, MessageStatus status) {
    }

    private final JdbcTemplate jdbc;
    private final OutboundStatusWriter statuses;

    public OutboundConfirmations(JdbcTemplate jdbc, OutboundStatusWriter statuses) {
        this.jdbc = jdbc;
        this.statuses = statuses;
    }

    /** Confirms the sends these messages are, in their order. */
    @Transactional
    public void sentFromInstance(List<SentMessage> messages) {
        if (messages.isEmpty()) {
            return;
        }
        Instant now = statuses.transactionTime();
        Map<String, String> known = byWhatsAppId(messages.stream().map(SentMessage::instance).toList(),
                messages.stream().map(SentMessage::waMessageId).toList());
        for (SentMessage message : messages) {
            String id = known.get(key(message.instance(), message.waMessageId()));
            if (id == null) {
                id = unconfirmedSendOf(message);
            }
            if (id != null) {
                statuses.change(id, OutboundStatus.SENT, null, null, message.waMessageId(), now);
            }
        }
    }

    /** Moves the bundle's messages among these on, in their order. */
    @Transactional
    public void statusesReported(List<ReportedStatus> reported) {
        List<ReportedStatus> moving = reported.stream().filter(r -> OutboundStatus.reportedAs(r.status()) != null)
                .toList();
        if (moving.isEmpty()) {
            return;
        }
        Instant now = statuses.transactionTime();
        Map<String, String> known = byWhatsAppId(moving.stream().map(ReportedStatus::instance).toList(),
                moving.stream().map(ReportedStatus::waMessageId).toList());
        for (ReportedStatus report : moving) {
            if (known.containsKey(key(report.instance(), report.waMessageId()))) {
                statuses.followReport(report.instance(), report.waMessageId(), report.status(), now);
            }
        }
    }

    /** The bundle's messages among these WhatsApp ids (instance|id to the message's id). */
    private Map<String, String> byWhatsAppId(List<String> instances, List<String> waMessageIds) {
        Map<String, String> ids = new HashMap<>();
        jdbc.query(connection -> {
            var select = connection.prepareStatement("""
                    select distinct on (m.instance, m.wa_message_id) m.instance, m.wa_message_id, m.id
                      from outbound_message m
                      join (select distinct i, w from unnest(?::text[], ?::text[]) as u(i, w)) k
                        on m.instance = k.i and m.wa_message_id = k.w
                     order by m.instance, m.wa_message_id, m.seq
                    """);
            select.setArray(1, connection.createArrayOf("text", instances.toArray()));
            select.setArray(2, connection.createArrayOf("text", waMessageIds.toArray()));
            return select;
        }, row -> {
            ids.put(key(row.getString("instance"), row.getString("wa_message_id")), row.getString("id"));
        });
        return ids;
    }

    private String unconfirmedSendOf(SentMessage message) {
        String kind = kindOf(message.messageType());
        if (kind == null) {
            return null;
        }
        List<String> ids = jdbc.queryForList(UNCONFIRMED_SEND, String.class, message.instance(), message.chatJid(),
                message.chatLid(), kind, message.body());
        return ids.isEmpty() ? null : ids.get(0);
    }

    /** The kind of outbound message ({@code outbound_message.kind}) a WhatsApp message type is, or null. */
    private static String kindOf(String messageType) {
        if (messageType == null) {
            return null;
        }
        return switch (messageType) {
            case "conversation", "extendedTextMessage" -> "text";
            case "imageMessage" -> "image";
            case "documentMessage", "documentWithCaptionMessage" -> "document";
            case "audioMessage", "pttMessage" -> "audio";
            case "videoMessage" -> "video";
            default -> null;
        };
    }

    private static String key(String instance, String waMessageId) {
        return instance.length() + ":" + instance + "|" + waMessageId;
    }
}
