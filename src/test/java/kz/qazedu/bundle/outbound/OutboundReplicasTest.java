package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import kz.qazedu.bundle.BundleApplication;
import kz.qazedu.bundle.support.OutboundTestBase;
import kz.qazedu.bundle.support.Ports;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Two bundle processes on one broker and one database, both dispatching and both with senders on the send queue:
 * an instance's sends still keep its rate, because the broker gives the instance's messages to one consumer
 * (message group) and the instance's row lock orders the decisions.
 */
class OutboundReplicasTest extends OutboundTestBase {

    private static final int BROKER_PORT = Ports.free();

    @DynamicPropertySource
    static void listenOnTcp(DynamicPropertyRegistry properties) {
        properties.add("bundle.broker.embedded-listen", () -> "tcp://127.0.0.1:" + BROKER_PORT);
    }

    @Test
    void twoReplicasNeverExceedOneInstancesRate() {
        String[] replicaArguments = Stream.concat(Stream.of(asArguments()), Stream.of(
                "--bundle.broker.url=tcp://127.0.0.1:" + BROKER_PORT,
                "--bundle.outbound.senders=4")).toArray(String[]::new);
        try (ConfigurableApplicationContext replica = new SpringApplicationBuilder(BundleApplication.class)
                .profiles("test").run(replicaArguments)) {
            String instance = uniqueInstance();
            evolutionSends(instance);
            List<String> ids = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                ids.add(sendText(instance, "7705123457" + i, "Replicated " + i));
            }

            eventually().atMost(Duration.ofSeconds(60))
                    .until(() -> ids.stream().allMatch(id -> "sent".equals(status(id))));
            List<LoggedRequest> sends = sendsTo(instance);
            assertThat(sends).hasSize(8);
            for (int i = 1; i < sends.size(); i++) {
                long gap = sends.get(i).getLoggedDate().getTime() - sends.get(i - 1).getLoggedDate().getTime();
                assertThat(gap).as("gap before send %d", i).isGreaterThanOrEqualTo(495);
            }
            assertThat(replica.isRunning()).isTrue();
        }
    }
}
