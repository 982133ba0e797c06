package kz.qazedu.bundle.edge;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * How long the bundle's server took over each webhook, from its admission ({@link RequestGuard}) to the end of its
 * answer: {@code bundle_webhook_duration_seconds}, a histogram, so that a p99 can be read from any two scrapes.
 * What a sender measures adds its own network and scheduling to this.
 */
final class WebhookDurations {

    private final Timer timer;

    WebhookDurations(MeterRegistry meters) {
        this.timer = Timer.builder("bundle.webhook.duration")
                .description("from a webhook's admission to the end of its answer")
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(30))
                .register(meters);
    }

    /** Records a webhook admitted at {@code admittedNanos} ({@link System#nanoTime()}) and answered now. */
    void since(long admittedNanos) {
        timer.record(System.nanoTime() - admittedNanos, TimeUnit.NANOSECONDS);
    }
}
