package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import kz.qazedu.bundle.support.EvolutionSamples;
import kz.qazedu.bundle.support.OutboundTestBase;
import org.junit.jupiter.api.Test;

/**
 * routes/outbound-dispatch.camel.yaml: each instance's oldest ready message goes to the broker, one per instance at a
 * time, so that an instance's backlog stays in PostgreSQL, leaves in the order it was accepted, and holds up no other
 * instance.
 */
class OutboundDispatchTest extends OutboundTestBase {

    private static final int BACKLOG = 6;

    @Test
    void anInstanceHasOneMessageOutAtATimeInOrderAndItsBacklogHoldsUpNoOtherInstance() {
        String busy = uniqueInstance();
        String other = uniqueInstance();
        // Evolution holds each send a while (as it does for a send's delay): long enough for the polls below to see
        // every message that is out
        evolutionAnswers(busy, sent().withFixedDelay(300));
        evolutionSends(other);
        List<String> backlog = new ArrayList<>();
        for (int i = 0; i < BACKLOG; i++) {
            backlog.add(sendText(busy, "7705123450" + i, "Backlog " + i));
        }
        String single = sendText(other, "77051234599", "Not behind the backlog");

        // a send that times out on a loaded machine is failed, not resent (EvolutionSendPacedTest): Evolution received
        // it all the same, which is what the order and the pace are about
        AtomicInteger mostOut = new AtomicInteger();
        eventually().atMost(Duration.ofSeconds(60)).until(() -> {
            mostOut.accumulateAndGet(outAtOnce(busy), Math::max);
            return backlog.stream().allMatch(this::settled) && settled(single);
        });

        assertThat(mostOut.get()).as("messages of one instance on the broker or at Evolution at once").isEqualTo(1);
        List<LoggedRequest> busySends = sendsTo(busy);
        assertThat(busySends).extracting(send -> EvolutionSamples.JSON.readTree(send.getBodyAsString()).path("text").asText())
                .containsExactly(backlog.stream().map(id -> "Backlog " + backlog.indexOf(id)).toArray(String[]::new));
        // the backlog keeps its instance's rate (120 a minute): its last send is seconds after its first, and the
        // other instance's message went out before it
        assertThat(sendsTo(other)).singleElement().satisfies(send ->
                assertThat(send.getLoggedDate()).isBefore(busySends.get(BACKLOG - 1).getLoggedDate()));
    }

    private boolean settled(String id) {
        return List.of("sent", "delivered", "read", "failed").contains(status(id));
    }

    /** The instance's messages dispatched and not yet answered by Evolution. */
    private int outAtOnce(String instance) {
        return count("""
                select count(*) from outbound_message
                 where instance = ? and (status = 'sending' or (status = 'queued' and dispatched_at is not null))
                """, instance);
    }
}
