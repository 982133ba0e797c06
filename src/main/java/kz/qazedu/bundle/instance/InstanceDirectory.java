package kz.qazedu.bundle.instance;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.util.List;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.edge.HttpReply;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.edge.JsonReplies;
import kz.qazedu.bundle.outbound.InstanceSending;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * What the bundle knows of each instance, from its own tables (no call to Evolution): connection state and since
 * when, the connected number and profile name, the time of its latest event, whether the bundle manages it (created
 * or adopted it), and its sending state with today's counts and what waits ({@link InstanceSending}).
 * {@code GET /api/v1/instances} and {@code GET /api/v1/instances/{name}}.
 */
@Component("instanceDirectory")
public class InstanceDirectory {

    private static final String COLUMNS = """
            select name, state, status_reason, state_changed_at, owner_jid, profile_name, last_event_at, last_qr_at,
                   qr_count, managed_since, removed_at
              from instance
            """;

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final JsonReplies replies;
    private final InstanceSending sending;

    public InstanceDirectory(JdbcTemplate jdbc, ObjectMapper json, JsonReplies replies, InstanceSending sending) {
        this.jdbc = jdbc;
        this.json = json;
        this.replies = replies;
        this.sending = sending;
    }

    public HttpReply list() {
        ObjectNode body = json.createObjectNode();
        var instances = body.putArray("instances");
        jdbc.query(COLUMNS + " order by name", (row, index) -> instances.add(toJson(row)));
        return new HttpReply(200, body.toString());
    }

    public HttpReply get(String name) throws JsonProcessingException {
        Identifiers.INSTANCE.require("name", name);
        List<ObjectNode> found = jdbc.query(COLUMNS + " where name = ?", (row, index) -> toJson(row), name);
        if (found.isEmpty()) {
            return new HttpReply(404, replies.error("unknown_instance", "no instance named '" + name + "' is known"));
        }
        ObjectNode instance = found.get(0);
        instance.set("sending", json.readTree(sending.state(name).json()));
        return new HttpReply(200, instance.toString());
    }

    private ObjectNode toJson(ResultSet row) throws SQLException {
        ObjectNode instance = json.createObjectNode();
        instance.put("name", row.getString("name"));
        instance.put("state", row.getString("state") == null ? "unknown" : row.getString("state"));
        instance.put("stateSince", text(row.getTimestamp("state_changed_at")));
        Integer reason = (Integer) row.getObject("status_reason");
        if (reason != null) {
            instance.put("statusReason", reason);
        }
        String owner = row.getString("owner_jid");
        instance.put("number", owner == null ? null : owner.replaceAll("[:@].*$", ""));
        instance.put("profileName", row.getString("profile_name"));
        instance.put("lastEventAt", text(row.getTimestamp("last_event_at")));
        instance.put("lastQrCodeAt", text(row.getTimestamp("last_qr_at")));
        instance.put("qrCodes", row.getInt("qr_count"));
        instance.put("managed", row.getTimestamp("managed_since") != null);
        if (row.getTimestamp("removed_at") != null) {
            instance.put("removedAt", text(row.getTimestamp("removed_at")));
        }
        return instance;
    }

    private static String text(Timestamp timestamp) {
        return timestamp == null ? null : timestamp.toInstant().toString();
    }
}
