package kz.qazedu.bundle.outbound;

import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import kz.qazedu.bundle.support.OutboundTestBase;
import org.junit.jupiter.api.Test;

/**
 * Pacing seen from Evolution's side: the times at which WireMock received the sends. Test timings: 120 a minute
 * (500 ms apart), gaps of 300..600 ms after a 50 ms typing delay, 1.5 s between two messages to one recipient;
 * quiet hours and daily caps on instances configured for them, with the clock moved.
 */
class OutboundPacingTest extends OutboundTestBase {

    /**
     * The next send is paced from the moment Evolution answered the previous one, which is after WireMock logged it:
     * only the millisecond rounding of WireMock's log separates the two.
     */
    private static final Duration TOLERANCE = Duration.ofMillis(5);

    @Test
    void consecutiveSendsOfAnInstanceKeepTheRateAndTheRandomGap() {
        String instance = uniqueInstance();
        evolutionSends(instance);
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            ids.add(sendText(instance, "7705123456" + i, "Reminder " + i));
        }

        eventually().until(() -> ids.stream().allMatch(id -> "sent".equals(status(id))));
        List<Duration> gaps = gaps(sendsTo(instance));
        assertThat(gaps).hasSize(5).allSatisfy(gap -> assertThat(gap)
                .isGreaterThanOrEqualTo(Duration.ofMillis(500).minus(TOLERANCE))
                .isLessThan(Duration.ofSeconds(3)));
        // sent in the order they were accepted
        assertThat(sendsTo(instance)).extracting(r -> r.getBodyAsString().contains("Reminder 0")).first().isEqualTo(true);
    }

    @Test
    void aSecondMessageToTheSameRecipientWaitsItsGapWithoutHoldingUpOthers() {
        String instance = uniqueInstance();
        evolutionSends(instance);

        String first = sendText(instance, "77051234567", "First to A");
        String second = sendText(instance, "77051234567", "Second to A");
        String other = sendText(instance, "77051234568", "First to B");

        eventually().until(() -> List.of(first, second, other).stream().allMatch(id -> "sent".equals(status(id))));
        List<LoggedRequest> sends = sendsTo(instance);
        assertThat(sends).extracting(LoggedRequest::getBodyAsString)
                .satisfiesExactly(a -> assertThat(a).contains("First to A"), b -> assertThat(b).contains("First to B"),
                        a2 -> assertThat(a2).contains("Second to A"));
        assertThat(between(sends.get(0), sends.get(2))).isGreaterThanOrEqualTo(Duration.ofMillis(1500).minus(TOLERANCE));
    }

    @Test
    void quietHoursHoldMessagesUntilMorningWithoutFailingThem() {
        evolutionSends(QUIET);
        clock.setTo(Instant.parse("2026-12-01T16:30:00Z")); // 21:30 in Almaty

        String id = sendText(QUIET, "77051234567", "Good evening");

        eventually().until(() -> message(id).path("waitingReason").asText().equals("quiet hours until 08:00"));
        eventually().during(Duration.ofMillis(500)).until(() -> "queued".equals(status(id)));
        assertThat(sendsTo(QUIET)).isEmpty();

        clock.setTo(Instant.parse("2026-12-02T03:00:01Z")); // 08:00:01 in Almaty

        eventually().until(() -> "sent".equals(status(id)));
        assertThat(sendsTo(QUIET)).hasSize(1);
    }

    @Test
    void theDailyCapHoldsTheRestUntilTheNextLocalDay() {
        evolutionSends(CAPPED);
        clock.setTo(Instant.parse("2026-12-01T06:00:00Z")); // 11:00 in Almaty

        List<String> ids = List.of(sendText(CAPPED, "77051234561", "One"), sendText(CAPPED, "77051234562", "Two"),
                sendText(CAPPED, "77051234563", "Three"));

        eventually().until(() -> "sent".equals(status(ids.get(1))));
        eventually().until(() -> message(ids.get(2)).path("waitingReason").asText().equals("daily cap of 2 reached"));
        assertThat(sendsTo(CAPPED)).hasSize(2);

        clock.setTo(Instant.parse("2026-12-02T06:00:00Z"));

        eventually().until(() -> "sent".equals(status(ids.get(2))));
        assertThat(sendsTo(CAPPED)).hasSize(3);
    }

    @Test
    void withAFirstContactBudgetOfZeroOnlyPeopleWhoWroteGetMessages() {
        evolutionSends(REPLIES_ONLY);
        ObjectNode incoming = sample("messages.upsert.text.json", REPLIES_ONLY);
        incoming.with("data").with("key").put("remoteJid", "77051234598@s.whatsapp.net").put("id", "IN-" + suffix());
        webhooks.post(incoming);
        eventually().until(() -> count("select count(*) from message where instance = ? and chat_jid = ?", REPLIES_ONLY,
                "77051234598@s.whatsapp.net") == 1);

        String stranger = sendText(REPLIES_ONLY, "77051234599", "Special offer");
        String reply = sendText(REPLIES_ONLY, "77051234598", "Thanks for writing");

        eventually().until(() -> "failed".equals(status(stranger)) && "sent".equals(status(reply)));
        assertThat(message(stranger).path("reasonCode").asText()).isEqualTo("first_contact_not_allowed");
        assertThat(message(reply).path("firstContact").asBoolean()).isFalse();
        assertThat(sendsTo(REPLIES_ONLY)).hasSize(1);
    }

    private static List<Duration> gaps(List<LoggedRequest> requests) {
        List<Duration> gaps = new ArrayList<>();
        for (int i = 1; i < requests.size(); i++) {
            gaps.add(between(requests.get(i - 1), requests.get(i)));
        }
        return gaps;
    }

    private static Duration between(LoggedRequest earlier, LoggedRequest later) {
        return Duration.ofMillis(later.getLoggedDate().getTime() - earlier.getLoggedDate().getTime());
    }
}
