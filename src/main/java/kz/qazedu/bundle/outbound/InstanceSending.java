package kz.qazedu.bundle.outbound;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.edge.HttpReply;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.event.BundleEvents;
import kz.qazedu.bundle.event.EventTypes;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;
import org.springframework.transaction.annotation.Transactional;

/**
 * Whether an instance may send: paused after repeated failures or a configuration error (until someone resumes
 * it), held by pacing, connected or not. A pause and a resume are told to the CRM as {@code outbound.instance}
 * events ({@code instance.sending} for the CRM), journaled like webhooks.
 */
@Component("instanceSending")
public class InstanceSending {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceSending.class);

    private final JdbcTemplate jdbc;
    private final BundleEvents events;
    private final ObjectMapper json;
    private final Clock clock;
    private final InstancePacing pacing;

    public InstanceSending(JdbcTemplate jdbc, ObjectMapper json, Clock clock,
                           InstancePacing pacing, BundleEvents events) {
        this.jdbc = jdbc;
        this.events = events;
        this.json = json;
        this.clock = clock;
        this.pacing = pacing;
    }

    /** Pauses the instance (if it is not already) and tells the CRM. Runs in the caller's transaction. */
    public void pause(String instance, String code, String reason) {
        Instant now = clock.instant();
        jdbc.update("insert into outbound_instance (instance) values (?) on conflict do nothing", instance);
        int paused = jdbc.update("""
                update outbound_instance
                   set paused_at = ?, pause_reason_code = ?, pause_reason = ?, updated_at = ?
                 where instance = ? and paused_at is null
                """, Timestamp.from(now), code, reason, Timestamp.from(now), instance);
        if (paused > 0) {
            LOG.warn("Sending paused on instance {}: {}", instance, reason);
            journal(instance, "paused", code, reason, now);
        }
    }

    /** {@code POST /api/v1/instances/{instance}/sending/pause} */
    @Transactional
    public HttpReply pauseByRequest(String instance) throws JsonProcessingException {
        Identifiers.INSTANCE.require("instance", instance);
        pause(instance, "manual", "paused through the API");
        return state(instance);
    }

    /** {@code POST /api/v1/instances/{instance}/sending/resume}: clears a pause and the failure count. */
    @Transactional
    public HttpReply resume(String instance) throws JsonProcessingException {
        Identifiers.INSTANCE.require("instance", instance);
        Instant now = clock.instant();
        int resumed = jdbc.update("""
                update outbound_instance
                   set paused_at = null, pause_reason_code = null, pause_reason = null, consecutive_failures = 0,
                       updated_at = ?
                 where instance = ? and paused_at is not null
                """, Timestamp.from(now), instance);
        if (resumed > 0) {
            LOG.info("Sending resumed on instance {}", instance);
            journal(instance, "resumed", null, "resumed through the API", now);
        }
        return state(instance);
    }

    /** {@code GET /api/v1/instances/{instance}/sending} */
    public HttpReply state(String instance) throws JsonProcessingException {
        Identifiers.INSTANCE.require("instance", instance);
        Instant now = clock.instant();
        PacingRules rules = pacing.forInstance(instance);
        Map<String, Object> state = new LinkedHashMap<>();
        state.put("instance", instance);
        List<Map<String, Object>> row = jdbc.queryForList("""
                select paused_at as "pausedAt", pause_reason_code as "pauseReasonCode", pause_reason as "pauseReason",
                       held_until as "heldUntil", held_reason as "heldReason", next_send_at as "nextSendAt",
                       consecutive_failures as "consecutiveFailures"
                  from outbound_instance where instance = ?
                """, instance);
        state.put("paused", !row.isEmpty() && row.get(0).get("pausedAt") != null);
        List<Map<String, Object>> connection = jdbc.queryForList(
                "select state, state_changed_at as \"since\" from instance where name = ?", instance);
        state.put("connection", connection.isEmpty() ? "unknown" : connection.get(0).get("state"));
        if (!row.isEmpty()) {
            row.get(0).forEach((key, value) -> {
                if (value != null) {
                    state.put(key, value);
                }
            });
        }
        Timestamp dayStart = Timestamp.from(PacingPolicy.startOfDay(now, rules.zone()));
        Map<String, Object> counts = jdbc.queryForMap("""
                select count(*) filter (where status = %s) as queued,
                       count(*) filter (where sent_at >= ?) as "sentToday",
                       count(*) filter (where sent_at >= ? and first_contact) as "firstContactsToday"
                  from outbound_message where instance = ?
                """.formatted(OutboundStatus.QUEUED.sql()), dayStart, dayStart, instance);
        state.putAll(counts);
        state.put("dailyCap", rules.dailyCap());
        state.put("firstContactDailyCap", rules.firstContactDailyCap());
        return new HttpReply(200, json.writeValueAsString(state));
    }

    /** Instance names Evolution answered 404 for in the last hour and no webhook ever came from, for health. */
    public List<String> unknownToEvolution() {
        return jdbc.queryForList("""
                select distinct m.instance
                  from outbound_message m
                 where m.status = ? and m.reason_code = ? and m.updated_at > ?
                   and not exists (select 1 from instance i where i.name = m.instance)
                 order by m.instance
                """, String.class, OutboundStatus.FAILED.wireName(), OutboundReason.CONFIGURATION.code(),
                Timestamp.from(clock.instant().minusSeconds(3600)));
    }

    /** Paused instances, for health. */
    public List<Map<String, Object>> paused() {
        return jdbc.queryForList("""
                select instance, pause_reason_code as "reasonCode", pause_reason as "reason", paused_at as "since"
                  from outbound_instance where paused_at is not null order by instance
                """);
    }

    private void journal(String instance, String state, String code, String reason, Instant at) {
        ObjectNode data = events.data();
        data.put("state", state);
        if (code != null) {
            data.put("reasonCode", code);
        }
        data.put("reason", reason);
        data.put("at", at.toString());
        events.journal("evt_sending_" + state + "_" + instance + "_" + at.toEpochMilli(), EventTypes.OUTBOUND_INSTANCE,
                instance, data, at);
    }
}
