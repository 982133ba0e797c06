package kz.qazedu.bundle.outbound;

import java.time.Duration;
import java.time.Instant;

/** What to do with a message that is due: send it now, let it wait, or give up on it. */
public sealed interface PacingDecision {

    /**
     * Send now, after showing "typing..." for {@code typing}; the instance's next send is not before {@code nextSendAt}.
     */
    record Send(Duration typing, Instant nextSendAt) implements PacingDecision {
    }

    /**
     * Not yet: try again at {@code until}, or when something changes (a reconnection, a resume) if it is null.
     * {@code holdsInstance}: the reason holds back every message of the instance (quiet hours, a cap, the pacing
     * gap), not only this one (its recipient's gap, the first-contact budget).
     */
    record Wait(Instant until, String reason, boolean holdsInstance) implements PacingDecision {
    }

    /** Never: no amount of waiting makes this send allowed. */
    record Fail(String reason) implements PacingDecision {
    }
}
