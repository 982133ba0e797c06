package kz.qazedu.bundle.instance;

import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import kz.qazedu.bundle.edge.HttpReply;
import kz.qazedu.bundle.edge.Identifiers;
import kz.qazedu.bundle.edge.InvalidFieldsException;
import kz.qazedu.bundle.edge.JsonBodies;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The life of a WhatsApp number through the bundle ({@code /api/v1/instances}): each operation is an
 * {@link EvolutionCall} made with Evolution's global key (which never leaves the bundle) and the meaning of
 * Evolution's answer for the caller. A new instance gets the bundle's webhook ({@link InstanceWebhook}) in the same
 * call that creates it, so no event of it is ever missed or sent elsewhere.
 *
 * <p>Evolution failing answers 502 (it answered, with an error or a refusal of the bundle's key), 503 (not
 * reachable) or 504 (no answer in time), each with a JSON reason.
 */
@Component("instanceAdmin")
public class InstanceAdmin {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceAdmin.class);

    /** Names of new instances: they become URL path segments at Evolution and here. */
    static final Pattern NEW_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_-]{0,63}");
    static final String NEW_NAME_RULE = "1 to 64 letters (a-z, A-Z), digits, _ and -, starting with a letter or digit";
    private static final Pattern NUMBER = Pattern.compile("\\d{8,15}");

    private final ObjectMapper json;
    private final JsonBodies bodies;
    private final InstanceReplies replies;
    private final InstanceWebhook webhook;
    private final JdbcTemplate jdbc;

    public InstanceAdmin(ObjectMapper json, JsonBodies bodies, InstanceReplies replies, InstanceWebhook webhook,
                         JdbcTemplate jdbc) {
        this.json = json;
        this.bodies = bodies;
        this.replies = replies;
        this.webhook = webhook;
        this.jdbc = jdbc;
    }

    // ------------------------------------------------------------------------------------------------- create

    /** {@code POST /api/v1/instances} {@code {"name", "number"?}} → Evolution's {@code POST /instance/create}. */
    public EvolutionCall createCall(byte[] requestBody) {
        JsonNode request = bodies.parse(requestBody).tree();
        if (!request.isObject()) {
            throw new InvalidFieldsException(Map.of("body", "must be a JSON object {\"name\": ..., \"number\": ...}"));
        }
        Map<String, String> problems = new LinkedHashMap<>();
        request.fieldNames().forEachRemaining(field -> {
            if (!field.equals("name") && !field.equals("number")) {
                problems.put(field, "unknown field (name, number)");
            }
        });
        JsonNode name = request.path("name");
        if (!name.isTextual() || !NEW_NAME.matcher(name.asText()).matches()) {
            problems.put("name", "must be " + NEW_NAME_RULE);
        }
        JsonNode number = request.path("number");
        if (!number.isMissingNode() && !number.isNull()
                && (!number.isTextual() || !NUMBER.matcher(number.asText()).matches())) {
            problems.put("number", "must be the WhatsApp number in international form, 8 to 15 digits without +");
        }
        if (!problems.isEmpty()) {
            throw new InvalidFieldsException(problems);
        }
        ObjectNode create = json.createObjectNode();
        create.put("instanceName", name.asText());
        create.put("integration", "WHATSAPP-BAILEYS");
        create.put("qrcode", true);
        if (number.isTextual()) {
            create.put("number", number.asText());
        }
        create.set("webhook", webhook.config());
        return EvolutionCall.post("/instance/create", create.toString());
    }

    /** Evolution's answer to the create: 201 with the first QR code (if Evolution had one yet), 409 name in use. */
    public HttpReply created(EvolutionCall call, EvolutionAnswer answer) throws java.io.IOException {
        String name = json.readTree(call.body()).path("instanceName").asText();
        if (answer.status() != null && answer.status() == 403 && answer.message().contains("already in use")) {
            return replies.of(409, "name_in_use", "an instance named '" + name + "' exists at Evolution");
        }
        if (answer.status() != null && answer.status() == 400) {
            return replies.of(400, "rejected_by_evolution", "Evolution refused the instance: " + answer.message());
        }
        if (!answer.succeeded()) {
            return replies.failure(answer, "create the instance");
        }
        JsonNode body = answer.body();
        String state = InstanceReplies.textOrNull(body.path("instance").path("status"));
        JsonNode qr = body.path("qrcode");
        String pairingCode = InstanceReplies.textOrNull(qr.path("pairingCode"));
        jdbc.update("""
                insert into instance (name, state, state_changed_at, pairing_code, managed_since, updated_at)
                values (?, ?, now(), ?, now(), now())
                on conflict (name) do update
                   set state = coalesce(excluded.state, instance.state),
                       state_changed_at = case when instance.state is distinct from coalesce(excluded.state, instance.state)
                                               then now() else instance.state_changed_at end,
                       pairing_code = coalesce(excluded.pairing_code, instance.pairing_code),
                       managed_since = now(), removed_at = null, updated_at = now()
                """, name, state, pairingCode);
        LOG.info("Instance {} created at Evolution with the bundle's webhook ({})", name, webhook.url());
        ObjectNode reply = json.createObjectNode();
        reply.put("name", name);
        reply.put("state", state);
        ObjectNode qrcode = replies.qrCodeOf(qr);
        if (qrcode == null) {
            reply.putNull("qrcode");
        } else {
            qrcode.remove("pairingCode");
            qrcode.remove("count");
            reply.set("qrcode", qrcode);
        }
        reply.put("pairingCode", pairingCode);
        return replies.reply(201, reply.toString());
    }

    // ------------------------------------------------------------------------------------------------- QR code

    /** {@code GET /api/v1/instances/{name}/qrcode} → Evolution's {@code GET /instance/connect/{name}}. */
    public EvolutionCall qrCodeCall(String name) {
        Identifiers.INSTANCE.require("name", name);
        return EvolutionCall.get("/instance/connect/" + EvolutionCall.segment(name));
    }

    /**
     * The QR code to scan: {@code {code, base64, pairingCode, count}}, or with {@code Accept: image/png} the PNG
     * itself; 409 when the number is connected already; 503 while Evolution has none yet.
     */
    public Object qrCode(String name, EvolutionAnswer answer, String accept) {
        if (answer.status() != null && answer.status() == 404) {
            return replies.unknown(name);
        }
        if (!answer.succeeded()) {
            return replies.failure(answer, "give the QR code");
        }
        JsonNode body = answer.body();
        if ("open".equals(body.path("instance").path("state").asText())) {
            return replies.of(409, "connected", "instance '" + name + "' is connected: no QR code to scan");
        }
        if (body.path("error").asBoolean(false)) {
            return replies.of(502, "evolution_failed", "Evolution has not loaded instance '" + name
                    + "'; restart Evolution or the instance");
        }
        ObjectNode qrcode = replies.qrCodeOf(body.has("qrcode") ? body.path("qrcode") : body);
        if (qrcode == null) {
            return replies.of(503, "qr_code_not_ready",
                    "Evolution has no QR code for '" + name + "' yet; ask again in a few seconds");
        }
        if (accept != null && accept.contains("image/png")) {
            String base64 = qrcode.path("base64").asText("");
            int comma = base64.indexOf(',');
            try {
                return new PngReply(Base64.getDecoder().decode(comma >= 0 ? base64.substring(comma + 1) : base64));
            } catch (IllegalArgumentException notBase64) {
                return replies.of(502, "evolution_failed", "Evolution's QR image is not base64");
            }
        }
        return replies.reply(200, qrcode.toString());
    }

    // ------------------------------------------------------------------------------------------------- logout, restart, delete

    public EvolutionCall logoutCall(String name) {
        Identifiers.INSTANCE.require("name", name);
        return EvolutionCall.delete("/instance/logout/" + EvolutionCall.segment(name));
    }

    public HttpReply loggedOut(String name, EvolutionAnswer answer) {
        if (answer.status() != null && answer.status() == 404) {
            return replies.unknown(name);
        }
        if (answer.status() != null && answer.status() == 400 && answer.message().contains("not connected")) {
            return replies.of(409, "not_connected", "instance '" + name + "' is not connected");
        }
        if (!answer.succeeded()) {
            return replies.failure(answer, "log the instance out");
        }
        return replies.reply(200, json.createObjectNode().put("name", name).put("loggedOut", true).toString());
    }

    public EvolutionCall restartCall(String name) {
        Identifiers.INSTANCE.require("name", name);
        return EvolutionCall.post("/instance/restart/" + EvolutionCall.segment(name), null);
    }

    public HttpReply restarted(String name, EvolutionAnswer answer) {
        if (answer.status() != null && answer.status() == 404) {
            return replies.unknown(name);
        }
        if (!answer.succeeded()) {
            return replies.failure(answer, "restart the instance");
        }
        if (answer.body().path("error").asBoolean(false)) {
            // Evolution restarts a connected or connecting instance only, and then answers 200 {"error": true}
            return replies.of(409, "not_connected", "Evolution restarts only a connected or connecting"
                    + " instance; connect '" + name + "' with its QR code");
        }
        ObjectNode reply = json.createObjectNode().put("name", name).put("restarted", true);
        String state = InstanceReplies.textOrNull(answer.body().path("instance").path("state"));
        if (state != null) {
            reply.put("state", state);
        }
        return replies.reply(200, reply.toString());
    }

    public EvolutionCall deleteCall(String name) {
        Identifiers.INSTANCE.require("name", name);
        return EvolutionCall.delete("/instance/delete/" + EvolutionCall.segment(name));
    }

    public HttpReply deleted(String name, EvolutionAnswer answer) {
        if (answer.status() != null && answer.status() == 404) {
            return replies.unknown(name);
        }
        if (!answer.succeeded()) {
            return replies.failure(answer, "delete the instance");
        }
        jdbc.update("update instance set removed_at = now(), state = 'removed', state_changed_at = now(),"
                + " pairing_code = null, updated_at = now() where name = ?", name);
        LOG.info("Instance {} deleted at Evolution", name);
        return replies.reply(200, json.createObjectNode().put("name", name).put("deleted", true).toString());
    }

    // ------------------------------------------------------------------------------------------------- adopt

    /** {@code POST /api/v1/instances/{name}/webhook}: the bundle's webhook on an instance created elsewhere. */
    public EvolutionCall webhookCall(String name) {
        Identifiers.INSTANCE.require("name", name);
        ObjectNode set = json.createObjectNode();
        set.set("webhook", webhook.config());
        return EvolutionCall.post("/webhook/set/" + EvolutionCall.segment(name), set.toString());
    }

    public HttpReply webhookSet(String name, EvolutionAnswer answer) {
        if (answer.status() != null && answer.status() == 404) {
            return replies.unknown(name);
        }
        if (!answer.succeeded()) {
            return replies.failure(answer, "set the instance's webhook");
        }
        jdbc.update("""
                insert into instance (name, managed_since, updated_at) values (?, now(), now())
                on conflict (name) do update
                   set managed_since = coalesce(instance.managed_since, now()), removed_at = null, updated_at = now()
                """, name);
        LOG.info("Instance {} adopted: its webhook is now the bundle's ({})", name, webhook.url());
        ObjectNode reply = json.createObjectNode().put("name", name).put("managed", true);
        ObjectNode hook = reply.putObject("webhook");
        hook.put("url", webhook.url());
        webhook.events().forEach(hook.putArray("events")::add);
        return replies.reply(200, reply.toString());
    }

    /** A QR code as the PNG image itself. */
    public record PngReply(byte[] png) {
    }
}
