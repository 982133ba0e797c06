package kz.qazedu.bundle.inbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import kz.qazedu.bundle.event.EventFamily;
import org.junit.jupiter.api.Test;

/** The relay's choice of its next round, rule by rule, with events and instants of the test's own. */
class RelayRoundsTest {

    private static final long SECOND = 1_000_000_000L;

    private final RelayRounds rounds = new RelayRounds(8, 3, Duration.ofSeconds(5));

    @Test
    void publishedRoundsMoveTheCursorPastTheirLastEvent() {
        List<OutboxEvent> round = events(1, 2, 3);
        assertThat(rounds.next(0)).isEqualTo(new RelayRounds.Oldest("0", 0, 8, null));
        rounds.published(round);
        assertThat(rounds.next(0)).isEqualTo(new RelayRounds.Oldest("103", 3, 8, null));
    }

    @Test
    void aFailedRoundIsHalvedAtOnceUntilTheEventThatFailsIsAlone() {
        rounds.failed(events(1, 2, 3, 4, 5, 6, 7, 8), "boom", 0);
        assertThat(rounds.next(0)).isEqualTo(new RelayRounds.Oldest("0", 0, 4, null));
        rounds.failed(events(1, 2, 3, 4), "boom", 0);
        rounds.failed(events(1, 2), "boom", 0);
        assertThat(rounds.next(0)).isEqualTo(new RelayRounds.Oldest("0", 0, 1, null));
        assertThat(rounds.suspect()).isNull();
    }

    @Test
    void anEventFailingAloneIsTheSuspectAndFailuresBackOff() {
        rounds.failed(events(1), "boom", 0);
        assertThat(rounds.suspect().seq()).isEqualTo(1);
        assertThat(rounds.next(10_000_000L)).isInstanceOf(RelayRounds.Wait.class);
        assertThat(rounds.next(20_000_000L)).isInstanceOf(RelayRounds.Oldest.class);
        rounds.failed(events(1), "boom", SECOND);
        // the second failure in a row waits twice as long
        assertThat(rounds.next(SECOND + 30_000_000L)).isInstanceOf(RelayRounds.Wait.class);
        assertThat(rounds.next(SECOND + 40_000_000L)).isInstanceOf(RelayRounds.Oldest.class);
    }

    @Test
    void backoffStopsGrowingAtTheMaximum() {
        long now = 0;
        for (int i = 0; i < 40; i++) {
            rounds.failed(events(1, 2), "broker down", now);
        }
        rounds.failed(events(1), "broker down", now);
        assertThat(rounds.next(now + 5 * SECOND - 1)).isInstanceOf(RelayRounds.Wait.class);
        assertThat(rounds.next(now + 5 * SECOND)).isNotInstanceOf(RelayRounds.Wait.class);
    }

    @Test
    void afterMaxAttemptsTheNextRoundLeavesOutTheSuspectsChat() {
        OutboxEvent suspect = event(1, "chat-a");
        failAlone(suspect, 3);
        assertThat(rounds.phase()).isEqualTo(RelayRounds.Phase.PROBATION);
        assertThat(rounds.next(100 * SECOND)).isEqualTo(new RelayRounds.Oldest("0", 0, 8, suspect));
    }

    @Test
    void whenTheOtherChatsGoThroughTheSuspectGetsOneLastTryThenIsSetAside() {
        OutboxEvent suspect = event(1, "chat-a");
        failAlone(suspect, 3);
        rounds.published(List.of(event(2, "chat-b"), event(3, "chat-c")));
        assertThat(rounds.next(100 * SECOND)).isEqualTo(new RelayRounds.Alone(suspect));

        rounds.failed(List.of(suspect), "still broken", 100 * SECOND);
        RelayRounds.SetAside aside = rounds.takeSetAside();
        assertThat(aside.event()).isEqualTo(suspect);
        assertThat(aside.attempts()).isEqualTo(4);
        assertThat(aside.reason()).startsWith("boom").endsWith("later events went through");
        assertThat(rounds.takeSetAside()).as("once").isNull();
        // from the head again, without a suspect: the suspect's chat goes on
        assertThat(rounds.next(100 * SECOND)).isEqualTo(new RelayRounds.Oldest("0", 0, 8, null));
        assertThat(rounds.suspect()).isNull();
    }

    @Test
    void aSuspectThatGoesThroughOnItsLastTryIsNotSetAside() {
        OutboxEvent suspect = event(1, "chat-a");
        failAlone(suspect, 3);
        rounds.published(List.of(event(2, "chat-b")));
        rounds.published(List.of(suspect));
        assertThat(rounds.takeSetAside()).isNull();
        assertThat(rounds.suspect()).isNull();
        assertThat(rounds.next(100 * SECOND)).isEqualTo(new RelayRounds.Oldest("0", 0, 8, null));
    }

    @Test
    void whenTheRoundsWithoutTheSuspectFailAsWellItIsAnOutageAndNothingIsSetAside() {
        OutboxEvent suspect = event(1, "chat-a");
        failAlone(suspect, 3);
        boolean cleared = rounds.failed(List.of(event(2, "chat-b")), "broker down", 100 * SECOND);
        assertThat(cleared).isTrue();
        assertThat(rounds.suspect()).isNull();
        assertThat(rounds.phase()).isEqualTo(RelayRounds.Phase.NORMAL);
        assertThat(rounds.takeSetAside()).isNull();
        assertThat(rounds.next(100 * SECOND)).as("backs off").isInstanceOf(RelayRounds.Wait.class);
    }

    @Test
    void withNoOtherChatTheSuspectIsTriedAloneAgainAndNeverSetAside() {
        OutboxEvent suspect = event(1, "chat-a");
        failAlone(suspect, 3);
        assertThat(rounds.nothingElse()).isEqualTo(new RelayRounds.Alone(suspect));
        for (int i = 0; i < 10; i++) {
            rounds.failed(List.of(suspect), "broker down", (200 + i * 10) * SECOND);
            if (rounds.phase() == RelayRounds.Phase.PROBATION) {
                rounds.nothingElse();
            }
        }
        assertThat(rounds.takeSetAside()).isNull();
        assertThat(rounds.suspect()).isEqualTo(suspect);
    }

    @Test
    void aSuspectThatLeftTheOutboxMeanwhileIsForgotten() {
        failAlone(event(1, "chat-a"), 3);
        rounds.published(List.of(event(2, "chat-b")));
        assertThat(rounds.suspectGone()).isEqualTo(new RelayRounds.Oldest("0", 0, 8, null));
        assertThat(rounds.suspect()).isNull();
    }

    @Test
    void theLimitGrowsBackOnceRoundsGoThroughAgain() {
        rounds.failed(events(1, 2, 3, 4, 5, 6, 7, 8), "boom", 0);
        rounds.failed(events(1, 2, 3, 4), "boom", 0);
        assertThat(rounds.limit()).isEqualTo(2);
        rounds.published(events(1, 2));
        assertThat(rounds.limit()).isEqualTo(4);
        rounds.published(events(3, 4, 5, 6));
        rounds.published(events(7, 8));
        assertThat(rounds.limit()).isEqualTo(8);
    }

    private void failAlone(OutboxEvent event, int times) {
        for (int i = 0; i < times; i++) {
            rounds.failed(List.of(event), "boom", i * 10 * SECOND);
        }
    }

    private static List<OutboxEvent> events(long... seqs) {
        List<OutboxEvent> events = new ArrayList<>();
        for (long seq : seqs) {
            events.add(event(seq, "chat-" + seq));
        }
        return events;
    }

    private static OutboxEvent event(long seq, String chat) {
        return new OutboxEvent(String.valueOf(100 + seq), seq, "evt_" + seq, "messages.upsert", EventFamily.MESSAGES_UPSERT,
                "clinic-01", chat, "m" + seq, "clinic-01|" + chat, Instant.parse("2026-12-01T00:00:00Z"), "{}");
    }
}
