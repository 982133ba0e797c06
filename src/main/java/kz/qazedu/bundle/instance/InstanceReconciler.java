package kz.qazedu.bundle.instance;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.micrometer.core.instrument.MeterRegistry;
import kz.qazedu.bundle.whatsapp.EvolutionSettings;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Keeps the bundle's view of Evolution's instances true, at start and every {@code INSTANCE_RECONCILE_INTERVAL_MS}:
 * it lists Evolution's instances ({@code GET /instance/fetchInstances}) and reads each one's webhook
 * ({@code GET /webhook/find}); a webhook that is not the bundle's ({@link InstanceWebhook#matches}: URL, headers or
 * events drifted, or none) is set again on the instances the bundle manages, and on every other one too when
 * {@code INSTANCE_ADOPT} is on (the default), which adopts instances created elsewhere; an instance the bundle
 * managed that Evolution no longer has is marked removed. Counted in {@code bundle_instances_reconciled_total
 * {outcome}}. Every call goes through the route {@code evolution-admin-call}; Evolution unreachable ends the pass,
 * which the next one repeats. Without {@code EVOLUTION_API_KEY} there is nothing to reconcile.
 */
@Component("instanceReconciler")
public class InstanceReconciler {

    private static final Logger LOG = LoggerFactory.getLogger(InstanceReconciler.class);

    private final ProducerTemplate calls;
    private final InstanceWebhook webhook;
    private final InstanceAdmin admin;
    private final JdbcTemplate jdbc;
    private final boolean adopt;
    private final boolean evolutionConfigured;
    private final MeterRegistry meters;

    public InstanceReconciler(ProducerTemplate calls, InstanceWebhook webhook, InstanceAdmin admin, JdbcTemplate jdbc,
                              MeterRegistry meters, InstanceSettings settings, EvolutionSettings evolution) {
        this.calls = calls;
        this.webhook = webhook;
        this.admin = admin;
        this.jdbc = jdbc;
        this.adopt = settings.adopt();
        this.evolutionConfigured = !evolution.apiKey().isBlank();
        this.meters = meters;
    }

    /** One pass. @return what it did, for the log and the tests */
    public Pass reconcile() {
        if (!evolutionConfigured) {
            // no EVOLUTION_API_KEY (the dev profile's embedded mode): there is no Evolution to agree with
            return new Pass(List.of(), List.of(), List.of(), false);
        }
        EvolutionAnswer listed = call(EvolutionCall.get("/instance/fetchInstances"));
        if (!listed.succeeded() || !listed.body().isArray()) {
            LOG.warn("Instances not reconciled: Evolution did not list them ({})",
                    listed.answered() ? listed.status() + " " + listed.message() : listed.message());
            count("failed", 1);
            return new Pass(List.of(), List.of(), List.of(), false);
        }
        Set<String> managed = new HashSet<>(jdbc.queryForList(
                "select name from instance where managed_since is not null and removed_at is null", String.class));
        Set<String> atEvolution = new HashSet<>();
        List<String> repaired = new ArrayList<>();
        for (JsonNode instance : listed.body()) {
            String name = instance.path("name").asText("");
            if (name.isEmpty()) {
                continue;
            }
            atEvolution.add(name);
            note(name, instance);
            if (!managed.contains(name) && !adopt) {
                continue;
            }
            EvolutionAnswer found = call(EvolutionCall.get("/webhook/find/" + EvolutionCall.segment(name)));
            if (found.succeeded() && webhook.matches(found.body())) {
                continue;
            }
            EvolutionAnswer set = call(admin.webhookCall(name));
            if (admin.webhookSet(name, set).status() == 200) {
                repaired.add(name);
                LOG.warn("Instance {}: its webhook was not the bundle's ({}); set again", name,
                        found.succeeded() && !found.body().isNull() ? "url " + found.body().path("url").asText() : "none");
            } else {
                LOG.warn("Instance {}: its webhook is not the bundle's and could not be set: {}", name, set.message());
            }
        }
        List<String> removed = new ArrayList<>();
        for (String name : managed) {
            if (!atEvolution.contains(name)) {
                jdbc.update("update instance set removed_at = now(), state = 'removed', state_changed_at = now(),"
                        + " pairing_code = null, updated_at = now() where name = ? and removed_at is null", name);
                removed.add(name);
                LOG.warn("Instance {} is no longer at Evolution: marked removed", name);
            }
        }
        count("repaired", repaired.size());
        count("removed", removed.size());
        count("checked", atEvolution.size());
        return new Pass(List.copyOf(atEvolution), repaired, removed, true);
    }

    /** Owner and profile as Evolution has them, where the bundle knows none yet (events are fresher). */
    private void note(String name, JsonNode instance) {
        String state = instance.path("connectionStatus").asText(null);
        jdbc.update("""
                insert into instance (name, state, state_changed_at, owner_jid, profile_name, updated_at)
                values (?, ?, now(), ?, ?, now())
                on conflict (name) do update
                   set state = coalesce(instance.state, excluded.state),
                       owner_jid = coalesce(instance.owner_jid, excluded.owner_jid),
                       profile_name = coalesce(instance.profile_name, excluded.profile_name),
                       removed_at = null
                """, name, state, textOrNull(instance.path("ownerJid")), textOrNull(instance.path("profileName")));
    }

    private EvolutionAnswer call(EvolutionCall call) {
        return calls.requestBody("direct:evolution-admin-call", call, EvolutionAnswer.class);
    }

    private void count(String outcome, int n) {
        meters.counter("bundle.instances.reconciled", "outcome", outcome).increment(n);
    }

    private static String textOrNull(JsonNode node) {
        return node.isTextual() && !node.asText().isBlank() ? node.asText() : null;
    }

    /** What one pass saw and did. */
    public record Pass(List<String> atEvolution, List<String> repaired, List<String> removed, boolean complete) {
    }
}
