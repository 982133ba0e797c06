package kz.qazedu.bundle.message;

import java.sql.Timestamp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The normalized {@code message} table and its status history. Writes are idempotent (a redelivered event
 * changes nothing) and a message's status only moves forward by {@link MessageStatus} rank, whichever order the
 * message and its updates arrive in. Each write is one call of a database function (migration V3), so one round
 * trip and one transaction per event.
 */
@Component("messageRepository")
public class MessageRepository {

    private static final Logger LOG = LoggerFactory.getLogger(MessageRepository.class);

    private static final String STORE_MESSAGE = """
            select store_message(?::text, ?::text, ?::boolean, ?::text, ?::text, ?::text, ?::text, ?::boolean,
                                 ?::text, ?::text, ?::text, ?::text, ?::text, ?::jsonb, ?::text,
                                 ?::timestamptz, ?::text, ?::integer, ?::text)
            """;

    private static final String APPLY_STATUS = """
            select apply_message_status(?::text, ?::text, ?::text, ?::integer, ?::text, ?::boolean, ?::text)
            """;

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;

    public MessageRepository(JdbcTemplate jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    public void save(NormalizedMessage message) {
        if (message.instance() == null || message.waMessageId() == null || message.chatJid() == null) {
            LOG.warn("Event {} has no message id or chat; not stored as a message", message.sourceEventId());
            return;
        }
        MessageStatus status = MessageStatus.of(message.status());
        call(STORE_MESSAGE,
                message.instance(), message.waMessageId(), message.fromMe(), message.direction(),
                message.chatJid(), message.chatPhone(), message.chatLid(), message.group(),
                message.authorJid(), message.authorPhone(), message.authorName(),
                message.messageType(), message.body(), toJson(message), message.quotedMessageId(),
                message.waTimestamp() == null ? null : Timestamp.from(message.waTimestamp()),
                status == MessageStatus.UNKNOWN ? null : status.name(), status.rank(),
                message.sourceEventId());
    }

    public void applyStatus(StatusUpdate update) {
        if (update.instance() == null || update.waMessageId() == null || update.status() == null) {
            LOG.warn("Event {} has no message id or status; not stored as a status", update.sourceEventId());
            return;
        }
        MessageStatus status = MessageStatus.of(update.status());
        String recorded = status == MessageStatus.UNKNOWN ? update.status() : status.name();
        call(APPLY_STATUS, update.instance(), update.waMessageId(), recorded, status.rank(),
                update.chatJid(), update.fromMe(), update.sourceEventId());
    }

    private void call(String sql, Object... arguments) {
        jdbc.query(sql, rows -> null, arguments);
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
