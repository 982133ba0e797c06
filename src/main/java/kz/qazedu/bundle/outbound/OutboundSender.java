package kz.qazedu.bundle.outbound;

import org.springframework.stereotype.Component;

/**
 * The paced sender's three steps, as the {@code evolution-send-paced} route calls them for each message the broker
 * hands over: {@link #claim} decides under the instance's lock whether the message goes now ({@link SendClaims});
 * the route then calls Evolution, and {@link #recordAnswer} or {@link #recordError} turns what came back into the
 * message's status ({@link SendOutcomes}). Each step is a PostgreSQL transaction of its own; the Evolution call is
 * in none.
 */
@Component("outboundSender")
public class OutboundSender {

    private final SendClaims claims;
    private final SendOutcomes outcomes;

    public OutboundSender(SendClaims claims, SendOutcomes outcomes) {
        this.claims = claims;
        this.outcomes = outcomes;
    }

    /** The Evolution call to make now for this message, or null when it waits, failed or was already handled. */
    public SendJob claim(String id) {
        return claims.claim(id);
    }

    /** Evolution answered. */
    public void recordAnswer(SendJob job, Integer httpStatus, String body) {
        outcomes.answered(job, httpStatus, body);
    }

    /** The call failed without an answer (only the HTTP call's own errors come here). */
    public void recordError(SendJob job, Exception error) {
        outcomes.failedWithoutAnswer(job, error);
    }
}
