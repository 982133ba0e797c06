package kz.qazedu.bundle.message;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.runtime.SqlArrays;
import kz.qazedu.bundle.whatsapp.MessageStatus;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The normalized {@code message} table and its status history, written a batch at a time with one statement per
 * table. Writes are idempotent (an event stored again changes nothing) and a message's status only moves forward by
 * {@link MessageStatus} rank, whichever order the message and its updates arrive in, within a batch or across
 * batches. The messages and statuses of a message the bundle may have sent (not {@code fromMe = false}) are written
 * under the advisory lock of {@code instance|id}, which the outbound side takes too when it attaches a WhatsApp id.
 * Both writes return what they newly stored, which {@link MessageStore} hands on to the outbound side while the
 * locks are held.
 */
@Component("messageRepository")
public class MessageRepository {

    /** Advisory locks of the messages that may be the bundle's own, in one order (no deadlock between writers). */
    private static final String LOCK = """
            select pg_advisory_xact_lock(k)
              from (select distinct hashtextextended(i || '|' || m, 0) as k
                      from unnest(?::text[], ?::text[]) as u(i, m)) keys
             order by k
            """;

    private static final String INSERT_MESSAGES = """
            insert into message (instance, wa_message_id, from_me, direction, chat_jid, chat_phone, chat_lid, is_group,
                                 author_jid, author_phone, author_name, message_type, body, media, quoted_message_id,
                                 wa_timestamp, status, status_rank, status_at, source_event_id)
            select instance, wa_message_id, from_me, direction, chat_jid, chat_phone, chat_lid, is_group,
                   author_jid, author_phone, author_name, message_type, body, media, quoted_message_id,
                   wa_timestamp, status, status_rank, now(), source_event_id
              from unnest(?::text[], ?::text[], ?::boolean[], ?::text[], ?::text[], ?::text[], ?::text[], ?::boolean[],
                          ?::text[], ?::text[], ?::text[], ?::text[], ?::text[], ?::jsonb[], ?::text[],
                          ?::timestamptz[], ?::text[], ?::smallint[], ?::text[])
                   with ordinality as m(instance, wa_message_id, from_me, direction, chat_jid, chat_phone, chat_lid,
                                        is_group, author_jid, author_phone, author_name, message_type, body, media,
                                        quoted_message_id, wa_timestamp, status, status_rank, source_event_id, n)
             order by n
            on conflict (instance, wa_message_id, from_me) do nothing
            returning instance, wa_message_id, from_me
            """;

    /** Statuses that arrived before their message. */
    private static final String APPLY_EARLIER_STATUSES = """
            update message m
               set status = s.status, status_rank = s.status_rank, status_at = s.received_at, updated_at = now()
              from (select distinct on (ms.instance, ms.wa_message_id)
                           ms.instance, ms.wa_message_id, ms.status, ms.status_rank, ms.received_at
                      from message_status ms
                      join (select distinct i, w from unnest(?::text[], ?::text[]) as u(i, w)) k
                        on ms.instance = k.i and ms.wa_message_id = k.w
                     order by ms.instance, ms.wa_message_id, ms.status_rank desc) s
             where m.instance = s.instance and m.wa_message_id = s.wa_message_id and m.status_rank < s.status_rank
            """;

    /**
     * The statuses recorded, and each message moved forward to its highest new status: one statement, which
     * returns the statuses it recorded (not those it already had).
     */
    private static final String APPLY_STATUSES = """
            with given as (
                select * from unnest(?::text[], ?::text[], ?::text[], ?::smallint[], ?::text[], ?::boolean[], ?::text[])
                              with ordinality as s(instance, wa_message_id, status, status_rank, chat_jid, from_me,
                                                   source_event_id, n)),
            recorded as (
                insert into message_status (instance, wa_message_id, status, status_rank, chat_jid, from_me,
                                            source_event_id)
                select instance, wa_message_id, status, status_rank, chat_jid, from_me, source_event_id
                  from given
                 order by n
                on conflict (instance, wa_message_id, status) do nothing
                returning instance, wa_message_id, status),
            moved as (
                update message m
                   set status = s.status, status_rank = s.status_rank, status_at = now(), updated_at = now()
                  from (select distinct on (instance, wa_message_id) instance, wa_message_id, status, status_rank
                          from given
                         where status_rank > 0
                         order by instance, wa_message_id, status_rank desc) s
                 where m.instance = s.instance and m.wa_message_id = s.wa_message_id and m.status_rank < s.status_rank)
            select instance, wa_message_id, status from recorded
            """;

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;

    public MessageRepository(JdbcTemplate jdbc, ObjectMapper json) {
        this.jdbc = jdbc;
        this.json = json;
    }

    /**
     * Stores messages (complete ones: instance, id and chat present), then what statuses arrived before them.
     *
     * @return the messages that were new, in their order (not those stored before, nor a second copy of one)
     */
    public List<NormalizedMessage> saveAll(List<NormalizedMessage> messages) {
        if (messages.isEmpty()) {
            return List.of();
        }
        lock(messages.stream().filter(NormalizedMessage::fromMe).toList(), NormalizedMessage::instance,
                NormalizedMessage::waMessageId);
        List<MessageStatus> statuses = messages.stream().map(m -> MessageStatus.of(m.status())).toList();
        Set<String> inserted = new HashSet<>();
        jdbc.query(connection -> {
            var insert = connection.prepareStatement(INSERT_MESSAGES);
            int p = 1;
            SqlArrays.text(insert, p++, messages, NormalizedMessage::instance);
            SqlArrays.text(insert, p++, messages, NormalizedMessage::waMessageId);
            insert.setArray(p++, array(connection, "boolean", messages, NormalizedMessage::fromMe));
            SqlArrays.text(insert, p++, messages, NormalizedMessage::direction);
            SqlArrays.text(insert, p++, messages, NormalizedMessage::chatJid);
            SqlArrays.text(insert, p++, messages, NormalizedMessage::chatPhone);
            SqlArrays.text(insert, p++, messages, NormalizedMessage::chatLid);
            insert.setArray(p++, array(connection, "boolean", messages, NormalizedMessage::group));
            SqlArrays.text(insert, p++, messages, NormalizedMessage::authorJid);
            SqlArrays.text(insert, p++, messages, NormalizedMessage::authorPhone);
            SqlArrays.text(insert, p++, messages, NormalizedMessage::authorName);
            SqlArrays.text(insert, p++, messages, NormalizedMessage::messageType);
            SqlArrays.text(insert, p++, messages, NormalizedMessage::body);
            SqlArrays.text(insert, p++, messages, this::mediaJson);
            SqlArrays.text(insert, p++, messages, NormalizedMessage::quotedMessageId);
            insert.setArray(p++, array(connection, "timestamptz", messages,
                    m -> m.waTimestamp() == null ? null : Timestamp.from(m.waTimestamp())));
            insert.setArray(p++, connection.createArrayOf("text", statuses.stream()
                    .map(s -> s == MessageStatus.UNKNOWN ? null : s.name()).toArray()));
            insert.setArray(p++, connection.createArrayOf("integer", statuses.stream().map(MessageStatus::rank).toArray()));
            SqlArrays.text(insert, p, messages, NormalizedMessage::sourceEventId);
            return insert;
        }, row -> {
            inserted.add(key(row.getString("instance"), row.getString("wa_message_id"),
                    String.valueOf(row.getBoolean("from_me"))));
        });
        jdbc.update(connection -> {
            var update = connection.prepareStatement(APPLY_EARLIER_STATUSES);
            SqlArrays.text(update, 1, messages, NormalizedMessage::instance);
            SqlArrays.text(update, 2, messages, NormalizedMessage::waMessageId);
            return update;
        });
        // the first of the batch with each key is the one stored
        return messages.stream()
                .filter(m -> inserted.remove(key(m.instance(), m.waMessageId(), String.valueOf(m.fromMe()))))
                .toList();
    }

    /**
     * Records statuses (complete ones: instance, id and status present) and moves their messages forward.
     *
     * @return the statuses that were new, in their order, each with its status as recorded (Evolution's numbers
     *         as names)
     */
    public List<StatusUpdate> applyStatuses(List<StatusUpdate> updates) {
        if (updates.isEmpty()) {
            return List.of();
        }
        lock(updates.stream().filter(u -> !Boolean.FALSE.equals(u.fromMe())).toList(), StatusUpdate::instance,
                StatusUpdate::waMessageId);
        List<MessageStatus> statuses = updates.stream().map(u -> MessageStatus.of(u.status())).toList();
        Object[] recorded = new Object[updates.size()];
        for (int i = 0; i < recorded.length; i++) {
            recorded[i] = statuses.get(i) == MessageStatus.UNKNOWN ? updates.get(i).status() : statuses.get(i).name();
        }
        Object[] ranks = statuses.stream().map(MessageStatus::rank).toArray();
        Set<String> inserted = new HashSet<>();
        jdbc.query(connection -> {
            var apply = connection.prepareStatement(APPLY_STATUSES);
            SqlArrays.text(apply, 1, updates, StatusUpdate::instance);
            SqlArrays.text(apply, 2, updates, StatusUpdate::waMessageId);
            apply.setArray(3, connection.createArrayOf("text", recorded));
            apply.setArray(4, connection.createArrayOf("integer", ranks));
            SqlArrays.text(apply, 5, updates, StatusUpdate::chatJid);
            apply.setArray(6, array(connection, "boolean", updates, StatusUpdate::fromMe));
            SqlArrays.text(apply, 7, updates, StatusUpdate::sourceEventId);
            return apply;
        }, row -> {
            inserted.add(key(row.getString("instance"), row.getString("wa_message_id"), row.getString("status")));
        });
        List<StatusUpdate> recordedNow = new ArrayList<>();
        for (int i = 0; i < recorded.length; i++) {
            StatusUpdate update = updates.get(i);
            if (inserted.remove(key(update.instance(), update.waMessageId(), (String) recorded[i]))) {
                recordedNow.add(new StatusUpdate(update.instance(), update.waMessageId(), update.chatJid(),
                        update.fromMe(), (String) recorded[i], update.sourceEventId()));
            }
        }
        return recordedNow;
    }

    /** A row's key, unambiguous whatever its parts hold. */
    private static String key(String instance, String waMessageId, String third) {
        return instance.length() + ":" + instance + "|" + waMessageId.length() + ":" + waMessageId + "|" + third;
    }

    private <T> void lock(List<T> rows, Function<T, String> instance, Function<T, String> messageId) {
        if (rows.isEmpty()) {
            return;
        }
        jdbc.query(connection -> {
            var select = connection.prepareStatement(LOCK);
            SqlArrays.text(select, 1, rows, instance);
            SqlArrays.text(select, 2, rows, messageId);
            return select;
        }, result -> null);
    }

    private static <T> java.sql.Array array(Connection connection, String type, List<T> rows, Function<T, ?> column)
            throws SQLException {
        return connection.createArrayOf(type, rows.stream().map(column).toArray());
    }

    private String mediaJson(NormalizedMessage message) {
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
