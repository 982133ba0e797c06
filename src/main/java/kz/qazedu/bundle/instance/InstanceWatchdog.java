package kz.qazedu.bundle.instance;

import java.sql.Timestamp;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.event.BundleEvents;
import kz.qazedu.bundle.event.EventTypes;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The failure Evolution's users report most: an instance Evolution calls {@code open} that has stopped sending
 * events (upserts silently stop until Evolution is restarted). An instance whose state is {@code open} and whose
 * latest event from Evolution is older than {@code INSTANCE_SILENCE_LIMIT} is silent: once per silence the CRM is
 * told ({@code instance.silence}, state {@code silent}), health lists it under {@code evolution}, and with
 * {@code INSTANCE_SILENCE_ACTION=restart} the instance is restarted at Evolution; when it talks again the CRM is told
 * too ({@code talking}). Counted in {@code bundle_instances_silences_total{action}}. Replicas flag an instance once:
 * the flag is set by one statement.
 */
@Component("instanceWatchdog")
public class InstanceWatchdog {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceWatchdog.class);

    /** What the watchdog does with a silent instance. */
    public enum Action { ALERT, RESTART }

    private final JdbcTemplate jdbc;
    private final BundleEvents events;
    private final ProducerTemplate calls;
    private final InstanceAdmin admin;
    private final Clock clock;
    private final MeterRegistry meters;
    private final Duration limit;
    private final Action action;

    public InstanceWatchdog(JdbcTemplate jdbc, BundleEvents events, ProducerTemplate calls, InstanceAdmin admin,
                            Clock clock, MeterRegistry meters, InstanceSettings settings) {
        this.jdbc = jdbc;
        this.events = events;
        this.calls = calls;
        this.admin = admin;
        this.clock = clock;
        this.meters = meters;
        this.limit = settings.silenceLimit();
        this.action = Action.valueOf(settings.silenceAction().trim().toUpperCase(Locale.ROOT));
    }

    public void check() {
        if (limit.isZero() || limit.isNegative()) {
            return;
        }
        Instant now = clock.instant();
        List<Map<String, Object>> silent = jdbc.queryForList("""
                update instance set silent_since = ?
                 where state = 'open' and removed_at is null and silent_since is null
                   and coalesce(last_event_at, state_changed_at, updated_at) < ?
                returning name, last_event_at
                """, Timestamp.from(now), Timestamp.from(now.minus(limit)));
        for (Map<String, Object> row : silent) {
            silent((String) row.get("name"), (Timestamp) row.get("last_event_at"), now);
        }
        List<Map<String, Object>> talking = jdbc.queryForList("""
                update instance set silent_since = null
                 where silent_since is not null
                   and (last_event_at > silent_since or state is distinct from 'open' or removed_at is not null)
                returning name, last_event_at
                """);
        for (Map<String, Object> row : talking) {
            String name = (String) row.get("name");
            LOG.info("Instance {} is no longer silent", name);
            journal(name, "talking", (Timestamp) row.get("last_event_at"), now, "none", null);
        }
    }

    /** Instances silent now, for health: name and since when. */
    public List<Map<String, Object>> silentNow() {
        if (limit.isZero() || limit.isNegative()) {
            return List.of();
        }
        return jdbc.queryForList("""
                select name, silent_since as "since", last_event_at as "lastEventAt"
                  from instance where silent_since is not null order by name
                """);
    }

    private void silent(String name, Timestamp lastEvent, Instant now) {
        String done = "alerted";
        String reason = null;
        if (action == Action.RESTART) {
            EvolutionAnswer answer = calls.requestBody("direct:evolution-admin-call", admin.restartCall(name),
                    EvolutionAnswer.class);
            int status = admin.restarted(name, answer).status();
            done = status == 200 ? "restarted" : "restart_failed";
            reason = status == 200 ? null : answer.answered() ? answer.status() + ": " + answer.message() : answer.message();
        }
        LOG.warn("Instance {} is open but has sent no event since {} (INSTANCE_SILENCE_LIMIT {}): {}{}", name,
                lastEvent == null ? "it connected" : lastEvent.toInstant(), limit, done, reason == null ? "" : " (" + reason + ")");
        meters.counter("bundle.instances.silences", "action", done).increment();
        journal(name, "silent", lastEvent, now, done, reason);
    }

    private void journal(String name, String state, Timestamp lastEvent, Instant now, String done, String reason) {
        ObjectNode data = events.data();
        data.put("state", state);
        if (lastEvent != null) {
            data.put("lastEventAt", lastEvent.toInstant().toString());
            data.put("silentSeconds", Duration.between(lastEvent.toInstant(), now).toSeconds());
        }
        data.put("limitSeconds", limit.toSeconds());
        data.put("action", done);
        if (reason != null) {
            data.put("reason", reason);
        }
        events.journal("evt_silence_" + state + "_" + name + "_" + now.toEpochMilli(), EventTypes.BUNDLE_INSTANCE_SILENCE,
                name, data, now);
    }
}
