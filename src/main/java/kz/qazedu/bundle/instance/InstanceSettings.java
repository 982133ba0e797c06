package kz.qazedu.bundle.instance;

import java.time.Duration;
import java.util.List;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Instances created and adopted through the bundle ({@code bundle.instances.*}; environment variables and defaults
 * in {@code application.properties}). {@code reconcile} and the {@code *-interval-ms} periods are read by the
 * routes ({@code routes/instance-reconcile.camel.yaml}, {@code routes/instance-watch.camel.yaml}).
 *
 * @param webhookEvents       the events of an instance's webhook, Evolution's names
 * @param reconcile           compare Evolution's instances and webhooks with the bundle's
 * @param reconcileIntervalMs how often, in ms
 * @param adopt               set the bundle's webhook on every instance (true) or only on the bundle's own (false)
 * @param watchIntervalMs     how often Evolution's health and the instances' gauges are refreshed, in ms
 * @param silenceLimit        an open instance without events for this long is silent (zero: never; a bare number is
 *                            milliseconds)
 * @param silenceAction       what else is done with a silent instance: alert or restart
 */
@ConfigurationProperties("bundle.instances")
public record InstanceSettings(
        List<String> webhookEvents,
        boolean reconcile,
        long reconcileIntervalMs,
        boolean adopt,
        long watchIntervalMs,
        Duration silenceLimit,
        String silenceAction) implements CheckedSettings {

    public InstanceSettings {
        webhookEvents = webhookEvents == null ? List.of()
                : webhookEvents.stream().map(String::trim).filter(e -> !e.isEmpty()).distinct().toList();
    }

    @Override
    public void check(SettingProblems problems) {
        List<String> unknown = webhookEvents.stream().filter(e -> !InstanceWebhook.EVOLUTION_EVENTS.contains(e)).toList();
        if (!unknown.isEmpty()) {
            problems.add("webhook-events", "must name only events Evolution knows; unknown: " + unknown);
        }
        List<String> missing = InstanceWebhook.REQUIRED_EVENTS.stream().filter(e -> !webhookEvents.contains(e)).toList();
        if (!missing.isEmpty()) {
            problems.add("webhook-events", "must include the events the bundle needs; missing: " + missing);
        }
        problems.atLeast("reconcile-interval-ms", reconcileIntervalMs, 1);
        problems.atLeast("watch-interval-ms", watchIntervalMs, 1);
        problems.notNegative("silence-limit", silenceLimit);
        problems.oneOf("silence-action", silenceAction, "alert", "restart");
    }
}
