package kz.qazedu.bundle.inbound;

import java.time.Duration;
import java.util.List;

/**
 * What the relay's next round takes, after what the last rounds did: the rule that makes one bad event stop only
 * itself. Pure and single-threaded (the outbox calls it under its lock), so it is tested rule by rule.
 * <ul>
 *   <li>A round takes the oldest events after the cursor, up to the limit. A failed round of several events halves
 *       the limit, at once, until the event that fails is alone.</li>
 *   <li>An event that fails alone is the suspect; failures alone back off, doubling from 20 ms up to the maximum.
 *       After {@code maxAttempts} of them, the next round leaves out the suspect's chat (probation); when no
 *       other chat has events, the suspect is tried alone again instead.</li>
 *   <li>If the round without it fails too, the trouble is not the event (the broker is down, say): the suspect is
 *       cleared and the rounds back off. If it goes through, the suspect gets one last try alone
 *       (confirmation); failing that, it is to be set aside and everything after it goes on.</li>
 *   <li>A published round resets the failures and doubles the limit back towards the batch size; the cursor moves
 *       past it, except while a suspect is being decided (its chat must not be passed).</li>
 * </ul>
 */
final class RelayRounds {

    private static final long FIRST_BACKOFF_NANOS = 20_000_000L;

    private final int batchSize;
    private final int maxAttempts;
    private final long maxBackoffNanos;

    private String cursorXid = "0";
    private long cursorSeq;
    private int limit;
    private int consecutiveFailures;
    private long retryAtNanos;
    private OutboxEvent suspect;
    private int suspectFailures;
    private String suspectReason;
    private Phase phase = Phase.NORMAL;
    private SetAside setAside;

    /** What the next round is for. */
    enum Phase {
        /** the oldest events after the cursor */
        NORMAL,
        /** the suspect failed alone too often: a round without its chat tells whether the trouble is the event */
        PROBATION,
        /** the other chats went through: the suspect's last try */
        CONFIRMATION
    }

    /** The next round: events after the cursor, up to a count, optionally without one event's chat; or one event. */
    sealed interface Plan {
    }

    /** The oldest events after {@code (afterXid, afterSeq)}, at most {@code count}, outside {@code withoutChatOf}'s chat. */
    record Oldest(String afterXid, long afterSeq, int count, OutboxEvent withoutChatOf) implements Plan {
    }

    /** This event alone, as it is in the outbox now. */
    record Alone(OutboxEvent event) implements Plan {
    }

    /** Nothing this time: failures back off. */
    record Wait() implements Plan {
    }

    /** An event to take out of the outbox, with why and after how many attempts. */
    record SetAside(OutboxEvent event, String reason, int attempts) {
    }

    RelayRounds(int batchSize, int maxAttempts, Duration maxBackoff) {
        this.batchSize = batchSize;
        this.maxAttempts = Math.max(1, maxAttempts);
        this.maxBackoffNanos = maxBackoff.toNanos();
        this.limit = batchSize;
    }

    Plan next(long nowNanos) {
        if (nowNanos - retryAtNanos < 0) {
            return new Wait();
        }
        return switch (phase) {
            case NORMAL -> new Oldest(cursorXid, cursorSeq, limit, null);
            case PROBATION -> new Oldest("0", 0, batchSize, suspect);
            case CONFIRMATION -> new Alone(suspect);
        };
    }

    /** A probation round found no other chat's events: the suspect is tried alone again. */
    Plan nothingElse() {
        phase = Phase.NORMAL;
        return new Alone(suspect);
    }

    /** The suspect has left the outbox meanwhile (another replica relayed it): back to the oldest events. */
    Plan suspectGone() {
        clearSuspect();
        resetCursor();
        return new Oldest(cursorXid, cursorSeq, limit, null);
    }

    void published(List<OutboxEvent> round) {
        consecutiveFailures = 0;
        retryAtNanos = 0;
        limit = Math.min(batchSize, limit * 2);
        if (phase == Phase.PROBATION) {
            phase = Phase.CONFIRMATION;
            return;
        }
        if (suspect != null && round.stream().anyMatch(e -> e.seq() == suspect.seq())) {
            clearSuspect();
            resetCursor();
            return;
        }
        OutboxEvent last = round.get(round.size() - 1);
        cursorXid = last.xid();
        cursorSeq = last.seq();
    }

    /** @return whether the failure cleared a suspect (the rounds without it failed as well) */
    boolean failed(List<OutboxEvent> round, String reason, long nowNanos) {
        consecutiveFailures++;
        switch (phase) {
            case PROBATION -> {
                clearSuspect();
                resetCursor();
                backOff(nowNanos);
                return true;
            }
            case CONFIRMATION -> {
                setAside = new SetAside(suspect, (suspectReason == null ? reason : suspectReason)
                        + "; later events went through", suspectFailures + 1);
                clearSuspect();
                resetCursor();
            }
            case NORMAL -> {
                if (round.size() > 1) {
                    limit = Math.max(1, round.size() / 2);
                    return false;
                }
                OutboxEvent event = round.get(0);
                if (suspect != null && suspect.seq() == event.seq()) {
                    suspectFailures++;
                } else {
                    suspect = event;
                    suspectFailures = 1;
                }
                suspectReason = reason;
                backOff(nowNanos);
                if (suspectFailures >= maxAttempts) {
                    phase = Phase.PROBATION;
                }
            }
        }
        return false;
    }

    /** The event to set aside before the next round, once. */
    SetAside takeSetAside() {
        SetAside taken = setAside;
        setAside = null;
        return taken;
    }

    /** This replica stopped relaying (another holds the lock): start from the head when it relays again. */
    void resetCursor() {
        cursorXid = "0";
        cursorSeq = 0;
    }

    OutboxEvent suspect() {
        return suspect;
    }

    int suspectFailures() {
        return suspectFailures;
    }

    Phase phase() {
        return phase;
    }

    int limit() {
        return limit;
    }

    private void backOff(long nowNanos) {
        retryAtNanos = nowNanos + Math.min(maxBackoffNanos, FIRST_BACKOFF_NANOS << Math.min(20, consecutiveFailures - 1));
    }

    private void clearSuspect() {
        suspect = null;
        suspectFailures = 0;
        suspectReason = null;
        phase = Phase.NORMAL;
    }
}
