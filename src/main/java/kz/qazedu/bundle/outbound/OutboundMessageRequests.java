package kz.qazedu.bundle.outbound;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.edge.HttpReply;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.edge.RequestRejectedException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The CRM's send API: {@code POST /api/v1/messages} reads a request ({@link OutboundRequestReader}), stores it in
 * PostgreSQL as {@code queued} and answers 202 with the message's id (the dispatcher takes it from there);
 * {@code GET /api/v1/messages/{id}} shows a message with its status history. An {@code Idempotency-Key} makes a
 * retried request return the first answer instead of sending again.
 */
@Component("outboundMessageRequests")
public class OutboundMessageRequests {

    private final JdbcTemplate jdbc;
    private final OutboundStatusWriter statuses;
    private final OutboundRequestReader reader;
    private final ObjectMapper json;
    private final Clock clock;

    public OutboundMessageRequests(JdbcTemplate jdbc, OutboundStatusWriter statuses, OutboundRequestReader reader,
                                   ObjectMapper json, Clock clock) {
        this.jdbc = jdbc;
        this.statuses = statuses;
        this.reader = reader;
        this.json = json;
        this.clock = clock;
    }

    /** {@code POST /api/v1/messages}: 202 with the new message, or the first answer again for a known key. */
    @Transactional
    public HttpReply accept(byte[] requestBody, String idempotencyKey) throws JsonProcessingException {
        if (idempotencyKey != null) {
            Identifiers.IDEMPOTENCY_KEY.require("Idempotency-Key", idempotencyKey);
        }
        OutboundRequest request = reader.read(requestBody);
        String hash = request.hash(json);
        Instant now = clock.instant();
        String id = "out_" + UUID.randomUUID().toString().replace("-", "");
        List<String> inserted = jdbc.queryForList("""
                insert into outbound_message (id, instance, recipient, recipient_jid, kind, text, media, reply_to,
                                              crm_message_id, idempotency_key, request_hash, status, status_rank,
                                              not_before, created_at, updated_at)
                values (?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                on conflict (idempotency_key) do nothing
                returning id
                """, String.class, id, request.instance(), request.recipient().number(), request.recipient().jid(),
                request.kind(), request.text(), request.mediaJson(json), request.replyTo(), request.crmMessageId(),
                idempotencyKey, hash, OutboundStatus.QUEUED.wireName(), OutboundStatus.QUEUED.rank(),
                Timestamp.from(now), Timestamp.from(now), Timestamp.from(now));
        if (inserted.isEmpty()) {
            Map<String, Object> first = jdbc.queryForMap(
                    "select id, request_hash from outbound_message where idempotency_key = ?", idempotencyKey);
            if (!hash.equals(first.get("request_hash"))) {
                throw new RequestRejectedException(422, "idempotency_key_reused",
                        "Idempotency-Key was already used for a different request (message " + first.get("id") + ")");
            }
            return accepted((String) first.get("id"), request);
        }
        statuses.created(id, now);
        return accepted(id, request);
    }

    /** {@code GET /api/v1/messages/{id}} */
    public HttpReply find(String id) throws JsonProcessingException {
        Identifiers.RESOURCE_ID.require("id", id);
        Timestamp now = Timestamp.from(clock.instant());
        List<Map<String, Object>> rows = jdbc.queryForList("""
                select m.id, m.instance, m.recipient as "to", m.recipient_jid as "chatId", m.kind as "type", m.text,
                       m.media::text as media, m.reply_to as "replyTo", m.crm_message_id as "crmMessageId", m.status,
                       m.reason_code as "reasonCode", m.reason, m.wa_message_id as "waMessageId", m.attempts,
                       case when m.status <> %1$s then null
                            when oi.paused_at is not null then 'instance paused: ' || coalesce(oi.pause_reason, '')
                            when conn.state is not null and conn.state <> 'open' then 'instance not connected'
                            when oi.held_until > ? then oi.held_reason
                            when m.not_before > ? then m.waiting_reason
                            when oi.next_send_at > ? then 'pacing gap'
                            else 'waiting its turn'
                       end as "waitingReason",
                       case when m.status = %1$s and m.not_before > ? then m.not_before end as "notBefore",
                       m.first_contact as "firstContact", m.created_at as "createdAt", m.sent_at as "sentAt",
                       m.updated_at as "updatedAt"
                  from outbound_message m
                  left join outbound_instance oi on oi.instance = m.instance
                  left join instance conn on conn.name = m.instance
                 where m.id = ?
                """.formatted(OutboundStatus.QUEUED.sql()), now, now, now, now, id);
        if (rows.isEmpty()) {
            throw new RequestRejectedException(404, "not_found", "no outbound message " + id);
        }
        Map<String, Object> message = withoutNulls(rows.get(0));
        if (message.get("media") instanceof String media) {
            message.put("media", json.readTree(media));
        }
        message.put("history", jdbc.queryForList("""
                select status, reason_code as "reasonCode", reason, at
                  from outbound_message_status where message_id = ? order by id
                """, id).stream().map(OutboundMessageRequests::withoutNulls).toList());
        return new HttpReply(200, json.writeValueAsString(message));
    }

    private HttpReply accepted(String id, OutboundRequest request) throws JsonProcessingException {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", id);
        body.put("status", OutboundStatus.QUEUED.wireName());
        body.put("instance", request.instance());
        body.put("to", request.recipient().number());
        if (request.crmMessageId() != null) {
            body.put("crmMessageId", request.crmMessageId());
        }
        return new HttpReply(202, json.writeValueAsString(body));
    }

    private static Map<String, Object> withoutNulls(Map<String, Object> row) {
        Map<String, Object> copy = new LinkedHashMap<>();
        row.forEach((key, value) -> {
            if (value != null) {
                copy.put(key, value);
            }
        });
        return copy;
    }
}
