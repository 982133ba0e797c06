package kz.qazedu.bundle.inbound;

import static kz.qazedu.bundle.support.EvolutionSamples.JSON;
import static kz.qazedu.bundle.support.EvolutionSamples.json;
import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static org.assertj.core.api.Assertions.assertThat;

import kz.qazedu.bundle.message.MessageNormalizer;
import org.junit.jupiter.api.Test;

/** The one-line summaries of the latest events, rule by rule, from the samples' data. */
class EventSummariesTest {

    private final EventSummaries summaries =
            new EventSummaries(new MessageNormalizer(JSON), JSON, new LatestEventsSettings(50, 200, 10000, 24));

    @Test
    void aMessageIsItsTextOrItsKindWithItsCaptionOrName() {
        assertThat(summary("messages.upsert.document-caption.json")).startsWith("[document] ");
        assertThat(summary("send.message.text.json")).isEqualTo("We have a free slot tom…");
        assertThat(summary("messages.upsert.fromme-phone.json")).isEqualTo("Booked ✅ See you tomorr…");
        assertThat(summary("messages.edited.json")).isEqualTo("[edited] Yes, 11:00 wor…");
        assertThat(summary("messages.delete.json")).isEqualTo("DELETED");
        assertThat(summary("messages.update.error.json")).isEqualTo("ERROR");
        assertThat(summary("connection.update.close-logged-out.json")).isEqualTo("close (401)");
    }

    @Test
    void eventsWithNothingToSayHaveNoSummary() {
        assertThat(summary("qrcode.updated.json")).as("a QR code is not shown").isNull();
        assertThat(summary("chats.upsert.json")).isNull();
        assertThat(summary("unknown.future-event.json")).isNull();
        assertThat(summaries.summarise("logout.instance", null)).isNull();
        assertThat(summaries.summarise("messages.upsert", json("[1, 2]"))).isNull();
        assertThat(summaries.summarise("qrcode.updated", json("{\"qrcode\": {\"message\": \"QR code limit reached\","
                + " \"statusCode\": 500}}"))).isEqualTo("QR code limit reached");
    }

    @Test
    void theBundlesOwnEventsSayTheirStateAndWhy() {
        assertThat(summaries.summarise("outbound.status", json("{\"status\": \"failed\", \"reason\": \"not on WhatsApp\"}")))
                .isEqualTo("failed: not on WhatsApp");
        assertThat(summaries.summarise("outbound.instance", json("{\"state\": \"resumed\"}"))).isEqualTo("resumed");
        assertThat(summaries.summarise("bundle.instance.silence", json("{\"state\": \"silent\", \"action\": \"alerted\"}")))
                .isEqualTo("silent: alerted");
    }

    @Test
    void aSummaryIsOneLineCutToItsLengthWithoutSplittingACharacter() {
        assertThat(summaries.cut("  two\n\nlines\tof  text ")).isEqualTo("two lines of text");
        assertThat(summaries.cut(" \n ")).isNull();
        String emoji = "😀".repeat(30);
        String cut = summaries.cut(emoji);
        assertThat(cut.codePointCount(0, cut.length())).isEqualTo(24);
        assertThat(cut).isEqualTo("😀".repeat(23) + "…");
        assertThat(summaries.cut("x".repeat(24))).isEqualTo("x".repeat(24));
    }

    private String summary(String sample) {
        var body = sample(sample);
        return summaries.summarise(body.path("event").asText(), body.path("data"));
    }
}
