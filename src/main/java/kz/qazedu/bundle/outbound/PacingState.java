package kz.qazedu.bundle.outbound;

import java.time.Instant;
import java.util.Objects;

/**
 * What {@link PacingPolicy} needs to know about an instance and a recipient at the moment a message is due.
 *
 * @param now                 the moment of the decision
 * @param connected           whether the instance is connected to WhatsApp
 * @param connectedSince      when it last (re)connected, or null if unknown
 * @param paused              whether an operator has paused its sending
 * @param pauseReason         why, as the operator gave it
 * @param nextSendAt          the earliest moment of its next send, or null if it never sent
 * @param sentToday           its sends since local midnight
 * @param firstContactsToday  its sends to first contacts since local midnight
 * @param firstContact        whether the recipient never wrote to this instance
 * @param lastSentToRecipient when it last sent to this recipient, or null
 * @param sendsSinceConnected its sends since {@code connectedSince}
 */
public record PacingState(Instant now, boolean connected, Instant connectedSince, boolean paused, String pauseReason,
        Instant nextSendAt, int sentToday, int firstContactsToday, boolean firstContact, Instant lastSentToRecipient,
        int sendsSinceConnected) {

    public PacingState {
        Objects.requireNonNull(now, "now");
    }
}
