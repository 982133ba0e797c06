package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.support.EvolutionSamples.JSON;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import kz.qazedu.bundle.BundleApplication;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.OutboundTestBase;
import kz.qazedu.bundle.support.WebhookClient;
import org.junit.jupiter.api.Test;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Nothing accepted is lost when the bundle stops: a bundle process (with a broker of its own) accepts messages and
 * stops before it could send them; another process on the same database sends each of them, once.
 */
class OutboundRestartTest extends OutboundTestBase {

    @Test
    void messagesAcceptedByABundleThatStoppedAreSentByTheNextOne() {
        String instance = uniqueInstance();
        evolutionSends(instance);
        List<String> ids = new ArrayList<>();
        String[] arguments = Stream.concat(Stream.of(asArguments()), Stream.of("--bundle.http.port=0"))
                .toArray(String[]::new);
        try (ConfigurableApplicationContext stopping = new SpringApplicationBuilder(BundleApplication.class)
                .profiles("test").run(arguments)) {
            WebhookClient client = new WebhookClient(IntegrationTest.httpPort(
                    stopping.getBean(org.apache.camel.CamelContext.class)));
            // the instance is paused, as it would be at night: the messages wait in the database
            client.post("/api/v1/instances/" + instance + "/sending/pause", "", "Authorization", "Bearer " + API_TOKEN);
            for (int i = 0; i < 3; i++) {
                String body = JSON.createObjectNode().put("instance", instance).put("to", "7705123458" + i)
                        .put("text", "Accepted before the restart " + i).toString();
                ids.add(client.post("/api/v1/messages", body, "Authorization", "Bearer " + API_TOKEN).json()
                        .path("id").asText());
            }
        }
        assertThat(ids).allMatch(id -> id.startsWith("out_"));

        webhooks.post("/api/v1/instances/" + instance + "/sending/resume", "", "Authorization", "Bearer " + API_TOKEN);

        eventually().until(() -> ids.stream().allMatch(id -> "sent".equals(status(id))));
        assertThat(sendsTo(instance)).hasSize(3);
    }
}
