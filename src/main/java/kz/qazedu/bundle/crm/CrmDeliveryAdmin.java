package kz.qazedu.bundle.crm;

import java.sql.Timestamp;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import kz.qazedu.bundle.edge.HttpReply;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.edge.InvalidFieldsException;
import kz.qazedu.bundle.edge.JsonBodies;
import kz.qazedu.bundle.edge.QueryParameters;
import kz.qazedu.bundle.edge.RequestRejectedException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Support's view of CRM deliveries: list them (with their attempts) by instance, type, state and time, and replay
 * one, a selection or every match. A replay keeps the event's id, so the CRM can still deduplicate by
 * {@code webhook-id}; it re-enters its chat's order at the event's original place.
 */
@Component("crmDeliveryAdmin")
public class CrmDeliveryAdmin {

    private static final Set<String> STATES = Set.of("pending", "delivered", "dead");
    private static final List<String> REPLAY_FIELDS = List.of("eventIds", "instance", "type", "state", "since", "until");
    private static final List<String> QUERY_PARAMETERS = List.of("instance", "type", "state", "since", "until", "limit");
    private static final int MAX_LIMIT = 1000;

    private final JdbcTemplate jdbc;
    private final ObjectMapper json;
    private final JsonBodies bodies;

    public CrmDeliveryAdmin(JdbcTemplate jdbc, ObjectMapper json, JsonBodies bodies) {
        this.jdbc = jdbc;
        this.json = json;
        this.bodies = bodies;
    }

    /**
     * {@code GET /api/v1/crm/deliveries?instance=&type=&state=&since=&until=&limit=}
     *
     * @param query the request's query string, as sent
     */
    public HttpReply list(String query) throws JsonProcessingException {
        Map<String, String> problems = new LinkedHashMap<>();
        QueryParameters parameters = QueryParameters.read(query, QUERY_PARAMETERS, problems);
        if (!problems.isEmpty()) {
            throw new InvalidFieldsException(problems);
        }
        String instance = parameters.get("instance");
        String type = parameters.get("type");
        String state = parameters.get("state");
        String since = parameters.get("since");
        String until = parameters.get("until");
        String limit = parameters.get("limit");
        Filter filter = Filter.of(instance, type, state, since, until);
        int rows = limit == null || limit.isBlank() ? 100 : parseLimit(limit);
        List<Object> arguments = new ArrayList<>(filter.arguments());
        arguments.add(rows);
        List<Map<String, Object>> deliveries = jdbc.queryForList("""
                select event_id as "eventId", instance, event_type as "eventType", state, attempts,
                       last_status as "lastStatus", last_error as "lastError", created_at as "createdAt",
                       next_attempt_at as "nextAttemptAt", delivered_at as "deliveredAt", dead_at as "deadAt"
                  from crm_delivery
                 where %s
                 order by created_at desc
                 limit ?
                """.formatted(filter.where()), arguments.toArray());
        for (Map<String, Object> delivery : deliveries) {
            delivery.put("attemptLog", jdbc.queryForList("""
                    select attempt, attempted_at as "at", status_code as "status", latency_ms as "latencyMs", error
                      from crm_delivery_attempt_log where event_id = ? order by attempt, attempted_at
                    """, delivery.get("eventId")));
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("deliveries", deliveries);
        return new HttpReply(200, json.writeValueAsString(body));
    }

    /**
     * {@code POST /api/v1/crm/deliveries/replay} with {@code {"eventIds": [...]}} or a filter
     * {@code {"instance", "type", "state", "since", "until"}} ({@code {}} replays every dead letter).
     */
    public HttpReply replay(byte[] requestBody) throws JsonProcessingException {
        JsonNode request = requestBody == null || requestBody.length == 0
                ? json.createObjectNode() : bodies.parse(requestBody).tree();
        if (!request.isObject()) {
            throw RequestRejectedException.badRequest("invalid_request", "body must be a JSON object");
        }
        Map<String, String> unknown = new LinkedHashMap<>();
        request.fieldNames().forEachRemaining(field -> {
            if (!REPLAY_FIELDS.contains(field)) {
                // a misspelt filter must not widen the replay to every dead letter
                unknown.put(field, "unknown field; expected " + String.join(", ", REPLAY_FIELDS));
            }
        });
        if (!unknown.isEmpty()) {
            throw new InvalidFieldsException(unknown);
        }
        int replayed;
        if (request.has("eventIds")) {
            JsonNode ids = request.get("eventIds");
            if (!ids.isArray() || ids.isEmpty()) {
                throw RequestRejectedException.badRequest("invalid_request", "'eventIds' must be a non-empty array");
            }
            if (ids.size() > MAX_LIMIT) {
                throw RequestRejectedException.badRequest("invalid_request", "'eventIds' holds more than " + MAX_LIMIT + " ids");
            }
            List<String> eventIds = new ArrayList<>();
            for (JsonNode id : ids) {
                if (!id.isTextual()) {
                    throw RequestRejectedException.badRequest("invalid_request", "'eventIds' must hold strings");
                }
                eventIds.add(Identifiers.RESOURCE_ID.require("eventIds", id.asText()));
            }
            replayed = jdbc.update(connection -> {
                var update = connection.prepareStatement(REPLAY + " where event_id = any(?)");
                update.setArray(1, connection.createArrayOf("text", eventIds.toArray()));
                return update;
            });
        } else {
            Filter filter = Filter.of(text(request, "instance"), text(request, "type"),
                    request.has("state") ? text(request, "state") : "dead", text(request, "since"), text(request, "until"));
            replayed = jdbc.update(REPLAY + " where " + filter.where(), filter.arguments().toArray());
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("replayed", replayed);
        return new HttpReply(202, json.writeValueAsString(body));
    }

    /** {@code POST /api/v1/crm/deliveries/{eventId}/replay} */
    /**
     * {@code GET /api/v1/crm/backlog}: how many deliveries wait (and how many of them are due now), since when the
     * oldest waits, and how many are dead letters.
     */
    public HttpReply backlog() throws JsonProcessingException {
        Map<String, Object> pending = jdbc.queryForMap("""
                select count(*) as pending, count(*) filter (where next_attempt_at <= now()) as due,
                       min(created_at) as oldest
                  from crm_delivery where state = 'pending'
                """);
        Long dead = jdbc.queryForObject("select count(*) from crm_delivery where state = 'dead'", Long.class);
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("pending", pending.get("pending"));
        body.put("due", pending.get("due"));
        body.put("oldestPendingAt", pending.get("oldest") == null ? null
                : ((java.sql.Timestamp) pending.get("oldest")).toInstant().toString());
        body.put("dead", dead);
        return new HttpReply(200, json.writeValueAsString(body));
    }

    public HttpReply replayOne(String eventId) throws JsonProcessingException {
        Identifiers.RESOURCE_ID.require("eventId", eventId);
        int replayed = jdbc.update(REPLAY + " where event_id = ?", eventId);
        if (replayed == 0) {
            throw new RequestRejectedException(404, "not_found", "no CRM delivery for event " + eventId);
        }
        return new HttpReply(202, json.writeValueAsString(Map.of("replayed", replayed)));
    }

    private static final String REPLAY = """
            update crm_delivery
               set state = 'pending', attempts = 0, next_attempt_at = now(),
                   delivered_at = null, dead_at = null, updated_at = now()
            """;

    private static int parseLimit(String limit) {
        try {
            int value = Integer.parseInt(limit);
            if (value < 1 || value > MAX_LIMIT) {
                throw new NumberFormatException();
            }
            return value;
        } catch (NumberFormatException e) {
            throw RequestRejectedException.badRequest("invalid_request", "'limit' must be a number from 1 to " + MAX_LIMIT);
        }
    }

    private static String text(JsonNode node, String field) {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual()) {
            throw new InvalidFieldsException(Map.of(field, "must be a string"));
        }
        return value.asText();
    }

    /** A where clause over crm_delivery with bound arguments only. */
    private record Filter(String where, List<Object> arguments) {

        static Filter of(String instance, String type, String state, String since, String until) {
            List<String> conditions = new ArrayList<>();
            List<Object> arguments = new ArrayList<>();
            if (instance != null && !instance.isBlank()) {
                Identifiers.INSTANCE.require("instance", instance);
                conditions.add("instance = ?");
                arguments.add(instance);
            }
            if (type != null && !type.isBlank()) {
                Identifiers.EVENT.require("type", type);
                conditions.add("event_type = ?");
                arguments.add(type);
            }
            if (state != null && !state.isBlank()) {
                if (!STATES.contains(state)) {
                    throw RequestRejectedException.badRequest("invalid_request", "'state' must be pending, delivered or dead");
                }
                conditions.add("state = ?");
                arguments.add(state);
            }
            if (since != null && !since.isBlank()) {
                conditions.add("created_at >= ?");
                arguments.add(instant("since", since));
            }
            if (until != null && !until.isBlank()) {
                conditions.add("created_at < ?");
                arguments.add(instant("until", until));
            }
            return new Filter(conditions.isEmpty() ? "true" : String.join(" and ", conditions), arguments);
        }

        private static Timestamp instant(String name, String value) {
            try {
                return Timestamp.from(Instant.parse(value));
            } catch (DateTimeParseException e) {
                throw RequestRejectedException.badRequest("invalid_request",
                        "'" + name + "' must be an ISO-8601 instant such as 2026-11-30T10:00:00Z");
            }
        }
    }
}
