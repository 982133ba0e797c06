package kz.qazedu.bundle.message;

import java.sql.Timestamp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * The normalized {@code message} table and its status history. Writes are idempotent (a redelivered event
 * changes nothing) and a message's status only moves forward by {@link MessageStatus} rank, whichever order the
 * message and its updates arrive in.
 */
@Component("messageRepository")
public class MessageRepository {

    private static final String INSERT_MESSAGE = """
            insert into message (instance, wa_message_id, from_me, direction, chat_jid, chat_phone, chat_lid, is_group,
                                 author_jid, author_phone, author_name, message_type, body, media, quoted_message_id,
                                 wa_timestamp, status, status_rank, status_at, source_event_id)
            values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, ?, now(), ?)
            on conflict (instance, wa_message_id, from_me) do nothing
            """;

    /** Catches a message up with statuses that arrived before it. */
    private static final String APPLY_EARLIER_STATUSES = """
            update message m
               set status = s.status, status_rank = s.status_rank, status_at = s.received_at, updated_at = now()
              from (select status, status_rank, received_at
                      from message_status
                     where instance = ? and wa_message_id = ?
                     order by status_rank desc
                     limit 1) s
             where m.instance = ? and m.wa_message_id = ? and m.status_rank < s.status_rank
            """;

    private static final String INSERT_STATUS = """
            insert into message_status (instance, wa_message_id, status, status_rank, chat_jid, from_me, source_event_id)
            values (?, ?, ?, ?, ?, ?, ?)
            on conflict (instance, wa_message_id, status) do nothing
            """;

    private static final String ADVANCE_STATUS = """
            update message
               set status = ?, status_rank = ?, status_at = now(), updated_at = now()
             where instance = ? and wa_message_id = ? and status_rank < ?
            """;

    private static final Logger LOG = LoggerFactory.getLogger(MessageRepository.class);

    /**
     * A message and its status updates come through different queues, so their consumers run concurrently; this
     * lock makes the two writes of one message take turns, so neither misses the other's uncommitted row.
     */
    private static final String LOCK_MESSAGE = "select pg_advisory_xact_lock(hashtextextended(? || '|' || ?, 0))";

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;

    public MessageRepository(JdbcTemplate jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    @Transactional
    public void save(NormalizedMessage message) {
        if (message.instance() == null || message.waMessageId() == null || message.chatJid() == null) {
            LOG.warn("Event {} has no message id or chat; not stored as a message", message.sourceEventId());
            return;
        }
        lock(message.instance(), message.waMessageId());
        MessageStatus status = MessageStatus.of(message.status());
        jdbc.update(INSERT_MESSAGE,
                message.instance(), message.waMessageId(), message.fromMe(), message.direction(),
                message.chatJid(), message.chatPhone(), message.chatLid(), message.group(),
                message.authorJid(), message.authorPhone(), message.authorName(),
                message.messageType(), message.body(), toJson(message), message.quotedMessageId(),
                message.waTimestamp() == null ? null : Timestamp.from(message.waTimestamp()),
                status == MessageStatus.UNKNOWN ? null : status.name(), status.rank(),
                message.sourceEventId());
        jdbc.update(APPLY_EARLIER_STATUSES,
                message.instance(), message.waMessageId(), message.instance(), message.waMessageId());
    }

    @Transactional
    public void applyStatus(StatusUpdate update) {
        if (update.instance() == null || update.waMessageId() == null || update.status() == null) {
            LOG.warn("Event {} has no message id or status; not stored as a status", update.sourceEventId());
            return;
        }
        lock(update.instance(), update.waMessageId());
        MessageStatus status = MessageStatus.of(update.status());
        String recorded = status == MessageStatus.UNKNOWN ? update.status() : status.name();
        jdbc.update(INSERT_STATUS, update.instance(), update.waMessageId(), recorded, status.rank(),
                update.chatJid(), update.fromMe(), update.sourceEventId());
        if (status != MessageStatus.UNKNOWN) {
            jdbc.update(ADVANCE_STATUS, status.name(), status.rank(),
                    update.instance(), update.waMessageId(), status.rank());
        }
    }

    private void lock(String instance, String waMessageId) {
        jdbc.query(LOCK_MESSAGE, rs -> null, instance, waMessageId);
    }

    private String toJson(NormalizedMessage message) {
        if (message.media() == null) {
            return null;
        }
        try {
            return json.writeValueAsString(message.media());
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("media metadata is not serializable", e);
        }
    }
}
