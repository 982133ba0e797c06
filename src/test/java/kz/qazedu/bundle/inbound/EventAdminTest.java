package kz.qazedu.bundle.inbound;

import static kz.qazedu.bundle.support.EvolutionSamples.newMessageId;
import static kz.qazedu.bundle.support.EvolutionSamples.sample;
import static kz.qazedu.bundle.support.EvolutionSamples.textMessage;
import static kz.qazedu.bundle.support.EvolutionSamples.uniqueInstance;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;

import com.fasterxml.jackson.databind.JsonNode;
import kz.qazedu.bundle.support.IntegrationTest;
import kz.qazedu.bundle.support.WebhookClient.Reply;
import org.junit.jupiter.api.Test;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.TestPropertySource;

/**
 * routes/event-admin.camel.yaml: the latest stored events, from real Evolution webhooks posted over HTTP. Small
 * pages, scan and summary so that paging and the scan's bound show with a few events.
 */
// its own context (own properties): closed after the class, so that its relay and broker do not take events of
// the tests that follow on the shared database
@DirtiesContext
@TestPropertySource(properties = {
        "bundle.events.page-size=3",
        "bundle.events.max-page-size=10",
        "bundle.events.instance-scan=20",
        "bundle.events.summary-length=40"})
class EventAdminTest extends IntegrationTest {

    private static final String API = "Bearer test-api-token";

    @Test
    void eachEventShowsWhatItWasAboutNewestFirst() {
        String instance = uniqueInstance();
        List<String> samples = List.of("messages.upsert.text.json", "connection.update.open.json",
                "messages.update.read.multi-key-1of2.json", "messages.upsert.image-caption.json",
                "messages.upsert.audio-ptt.json", "messages.upsert.location.json", "messages.upsert.reaction.json",
                "presence.update.json");
        List<String> eventIds = new ArrayList<>();
        for (String name : samples) {
            Reply reply = webhooks.post(sample(name, instance));
            assertThat(reply.status()).as(name).isEqualTo(202);
            eventIds.add(0, reply.json().path("eventId").asText());
        }

        JsonNode page = get("/api/v1/events?limit=10&instance=" + instance).json();

        List<JsonNode> events = events(page);
        assertThat(events).extracting(e -> e.path("eventId").asText())
                .containsExactlyElementsOf(eventIds);
        assertThat(events).extracting(e -> e.path("summary").isNull() ? null : e.path("summary").asText())
                .containsExactly(
                        null,                                       // presence.update: no summary
                        "[reaction] ❤️",
                        "[location] Абай даңғылы",
                        "[audio]",
                        "[image] Результаты анализов / талдау нә…",
                        "READ",
                        "open (200)",
                        "Hello! What time does the clinic open t…");
        JsonNode text = events.get(events.size() - 1);
        assertThat(text.path("eventType").asText()).isEqualTo("messages.upsert");
        assertThat(text.path("instance").asText()).isEqualTo(instance);
        assertThat(text.path("chatId").asText()).isEqualTo("77051234567@s.whatsapp.net");
        assertThat(text.path("messageId").asText()).isEqualTo("A5561E44C2A63682E4295B52F484C14E");
        assertThat(text.path("seq").asLong()).isEqualTo(jdbc.queryForObject(
                "select seq from inbound_event where event_id = ?", Long.class, eventIds.get(eventIds.size() - 1)));
        assertThat(Instant.parse(text.path("receivedAt").asText())).isBefore(Instant.now().plusSeconds(1));
        assertThat(page.path("instance").asText()).isEqualTo(instance);
        assertThat(page.path("limit").asInt()).isEqualTo(10);
        assertThat(page.path("instanceScan").asInt()).isEqualTo(20);
        // the relay publishes them all
        eventually().until(() -> events(get("/api/v1/events?limit=10&instance=" + instance).json()).stream()
                .noneMatch(e -> e.path("waitingForBroker").asBoolean()));
    }

    @Test
    void pagesFollowTheirCursorNewestFirst() {
        String instance = uniqueInstance();
        List<Long> seqs = new ArrayList<>();
        for (int i = 1; i <= 5; i++) {
            seqs.add(0, seq(post(textMessage(instance, "77051230000@s.whatsapp.net", newMessageId(), "message " + i))));
        }

        JsonNode first = get("/api/v1/events?instance=" + instance).json();
        JsonNode second = get("/api/v1/events?instance=" + instance + "&before=" + first.path("nextBefore").asLong()).json();

        assertThat(first.path("limit").asInt()).as("EVENTS_PAGE_SIZE").isEqualTo(3);
        assertThat(seqsOf(first)).containsExactlyElementsOf(seqs.subList(0, 3));
        assertThat(first.path("nextBefore").asLong()).isEqualTo(seqs.get(2));
        assertThat(first.path("scanLimitReached").asBoolean()).isFalse();
        assertThat(seqsOf(second)).containsExactlyElementsOf(seqs.subList(3, 5));
        assertThat(events(second)).extracting(e -> e.path("summary").asText()).containsExactly("message 2", "message 1");

        // every instance's: the newest before the cursor first
        JsonNode unfiltered = get("/api/v1/events?limit=2&before=" + (seqs.get(0) + 1)).json();
        assertThat(seqsOf(unfiltered)).hasSize(2).first().isEqualTo(seqs.get(0));
        assertThat(unfiltered.path("nextBefore").asLong()).isEqualTo(seqsOf(unfiltered).get(1));
        assertThat(unfiltered.path("instance").isNull()).isTrue();
        // the oldest event of the journal ends the last page
        long oldest = jdbc.queryForObject("select min(seq) from inbound_event", Long.class);
        JsonNode last = get("/api/v1/events?before=" + (oldest + 1)).json();
        assertThat(seqsOf(last)).containsExactly(oldest);
        assertThat(last.path("nextBefore").isNull()).isTrue();
    }

    @Test
    void anInstanceFilterLooksAtNoMoreThanTheScanAndItsCursorGoesOn() {
        String quiet = uniqueInstance();
        String busy = uniqueInstance();
        List<Long> quietSeqs = new ArrayList<>();
        for (int i = 1; i <= 2; i++) {
            quietSeqs.add(0, seq(post(textMessage(quiet, "77051230001@s.whatsapp.net", newMessageId(), "quiet " + i))));
        }
        for (int i = 1; i <= 20; i++) {
            post(textMessage(busy, "77051230002@s.whatsapp.net", newMessageId(), "busy " + i));
        }

        JsonNode first = get("/api/v1/events?instance=" + quiet).json();

        // the newest 20 events are the busy instance's: nothing of the quiet one among them, and the call says so
        assertThat(events(first)).isEmpty();
        assertThat(first.path("scanLimitReached").asBoolean()).isTrue();
        assertThat(first.path("nextBefore").asLong()).isGreaterThan(quietSeqs.get(0));
        List<Long> found = new ArrayList<>();
        JsonNode page = first;
        for (int calls = 0; calls < 5 && found.isEmpty(); calls++) {
            page = get("/api/v1/events?instance=" + quiet + "&before=" + page.path("nextBefore").asLong()).json();
            found.addAll(seqsOf(page));
        }
        assertThat(found).containsExactlyElementsOf(quietSeqs);
        assertThat(events(page)).allSatisfy(e -> assertThat(e.path("instance").asText()).isEqualTo(quiet));
    }

    @Test
    void anEventIsWaitingForTheBrokerUntilTheRelayPublishesIt() throws Exception {
        String instance = uniqueInstance();
        String path = "/api/v1/events?instance=" + instance;
        // another journal writer's transaction is still open: the relay publishes nothing that came after it
        try (Connection writer = jdbc.getDataSource().getConnection()) {
            writer.setAutoCommit(false);
            try (var open = writer.createStatement()) {
                open.execute("select pg_current_xact_id()");
            }
            post(sample("connection.update.connecting.json", instance));

            JsonNode waiting = events(get(path).json()).get(0);
            assertThat(waiting.path("waitingForBroker").asBoolean()).isTrue();
            assertThat(waiting.path("summary").asText()).isEqualTo("connecting (200)");
            writer.rollback();
        }
        eventually().until(() -> !events(get(path).json()).get(0).path("waitingForBroker").asBoolean());
    }

    @Test
    void withoutTheTokenOrWithABadParameterNothingIsRead() {
        assertThat(webhooks.get("/api/v1/events").status()).isEqualTo(401);
        assertThat(webhooks.get("/api/v1/events", "Authorization", "Bearer wrong").status()).isEqualTo(401);

        for (String[] bad : new String[][] {
                {"limit=0", "limit"}, {"limit=11", "limit"}, {"limit=ten", "limit"}, {"limit=-1", "limit"},
                {"before=0", "before"}, {"before=-5", "before"}, {"before=12x", "before"},
                {"before=99999999999999999999", "before"}, {"instance=bad%2Fname", "instance"},
                {"instance=" + "x".repeat(101), "instance"}, {"instance=..", "instance"}, {"page=2", "page"},
                {"limit=2&limit=3", "limit"}}) {
            Reply reply = webhooks.get("/api/v1/events?" + bad[0], "Authorization", API);
            assertThat(reply.status()).as(bad[0]).isEqualTo(400);
            assertThat(reply.json().path("error").asText()).as(bad[0]).isEqualTo("invalid_request");
            assertThat(reply.json().path("fields").has(bad[1])).as(bad[0] + ": " + reply.body()).isTrue();
        }
    }

    private Reply get(String path) {
        Reply reply = webhooks.get(path, "Authorization", API);
        assertThat(reply.status()).as(path + ": " + reply.body()).isEqualTo(200);
        return reply;
    }

    private Reply post(JsonNode body) {
        Reply reply = webhooks.post(body);
        assertThat(reply.status()).isEqualTo(202);
        return reply;
    }

    private long seq(Reply accepted) {
        return jdbc.queryForObject("select seq from inbound_event where event_id = ?", Long.class,
                accepted.json().path("eventId").asText());
    }

    private static List<JsonNode> events(JsonNode page) {
        return StreamSupport.stream(page.path("events").spliterator(), false).toList();
    }

    private static List<Long> seqsOf(JsonNode page) {
        return events(page).stream().map(e -> e.path("seq").asLong()).toList();
    }
}
