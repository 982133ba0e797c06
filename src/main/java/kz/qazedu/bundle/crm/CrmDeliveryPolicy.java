package kz.qazedu.bundle.crm;

import java.time.Duration;
import java.time.Instant;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

import kz.qazedu.bundle.runtime.RetrySchedule;
import org.springframework.stereotype.Component;

/**
 * What an attempt means for its delivery, decided without touching the database:
 * <ul>
 *   <li>2xx: delivered.</li>
 *   <li>Connection errors, timeouts, 408, 429 and 5xx: tried again after the next delay of the retry schedule
 *       ({@code CRM_RETRY_SCHEDULE}), or the CRM's {@code Retry-After} if longer; once the schedule is used up,
 *       dead. The chat waits.</li>
 *   <li>Any other 4xx, or an event that cannot be mapped: dead at once (trying again changes nothing); the chat
 *       goes on.</li>
 *   <li>Not tried (an earlier delivery of its chat must be retried, or the round ran out of time): released for a
 *       later round, its attempt not counted.</li>
 * </ul>
 * A delivery claimed more often than the schedule allows attempts (its attempts ended without an outcome: the
 * process stopped, or recording failed) is dead instead, so that it cannot hold its chat for ever.
 */
@Component("crmDeliveryPolicy")
public class CrmDeliveryPolicy {

    /** What a round's attempt means for its delivery. */
    public enum Outcome { DELIVERED, RETRY, DEAD, RELEASED }

    /**
     * One delivery's outcome in a round.
     *
     * @param delay  before the next attempt (RETRY only)
     * @param reason why it failed, as recorded in {@code last_error}
     */
    public record Decision(CrmAttempt attempt, Outcome outcome, Duration delay, String reason) {

        /** Whether the chat's next delivery may go now: only a delivery waiting for a retry holds its chat. */
        public boolean chatGoesOn() {
            return outcome == Outcome.DELIVERED || outcome == Outcome.DEAD;
        }
    }

    /**
     * A round's claim sorted out: the deliveries to send, and the decisions already made about the others (a
     * delivery out of attempts is dead, the deliveries of its chat claimed after it are released).
     */
    public record Claim(List<CrmDelivery> due, List<Decision> settled) {
    }

    private final RetrySchedule schedule;
    private final int maxAttempts;

    public CrmDeliveryPolicy(CrmSettings settings) {
        this.schedule = new RetrySchedule(settings.retrySchedule());
        this.maxAttempts = this.schedule.size() + 1;
    }

    /** Sorts out a round's claim: see {@link Claim}. */
    public Claim sortOut(List<CrmDelivery> claimed) {
        if (claimed.stream().noneMatch(d -> d.attempt() > maxAttempts)) {
            return new Claim(claimed, List.of());
        }
        List<CrmDelivery> due = new ArrayList<>(claimed.size());
        List<Decision> settled = new ArrayList<>();
        String heldChat = null;
        for (CrmDelivery delivery : claimed) {
            if (delivery.orderingKey().equals(heldChat)) {
                settled.add(new Decision(CrmAttempt.notTried(delivery), Outcome.RELEASED, null, null));
            } else if (delivery.attempt() > maxAttempts) {
                settled.add(new Decision(CrmAttempt.notTried(delivery), Outcome.DEAD, null,
                        "no outcome recorded after " + maxAttempts + " attempts"));
                heldChat = delivery.orderingKey();
            } else {
                due.add(delivery);
            }
        }
        return new Claim(due, settled);
    }

    /** What an attempt means for its delivery (a retry's delay is drawn here, once). */
    public Decision decide(CrmAttempt attempt) {
        if (!attempt.tried()) {
            return new Decision(attempt, Outcome.RELEASED, null, null);
        }
        if (attempt.succeeded()) {
            return new Decision(attempt, Outcome.DELIVERED, null, null);
        }
        if (attempt.error() instanceof UnmappableEventException unmappable) {
            return new Decision(attempt, Outcome.DEAD, null, abbreviate(unmappable.getMessage()));
        }
        Integer status = attempt.status();
        String reason = status != null ? "CRM answered " + status
                : abbreviate(attempt.error().getClass().getSimpleName() + ": " + attempt.error().getMessage());
        boolean retryable = status == null || status == 408 || status == 429 || status >= 500;
        Duration delay = retryable ? schedule.delayAfter(attempt.delivery().attempt()) : null;
        if (delay == null) {
            return new Decision(attempt, Outcome.DEAD, null, reason);
        }
        Duration retryAfter = parseRetryAfter(attempt.retryAfter());
        if (retryAfter != null && retryAfter.compareTo(delay) > 0) {
            delay = retryAfter;
        }
        return new Decision(attempt, Outcome.RETRY, delay, reason);
    }

    /** A failed probe: not an attempt of its delivery, whose schedule stays as it was. */
    public Decision probeFailed(CrmDelivery delivery) {
        return new Decision(CrmAttempt.notTried(delivery), Outcome.RELEASED, null, null);
    }

    private static String abbreviate(String text) {
        return text == null || text.length() <= 1000 ? text : text.substring(0, 1000) + "…";
    }

    /** {@code Retry-After} in seconds or as an HTTP date. */
    static Duration parseRetryAfter(String value) {
        if (value == null || value.isBlank()) {
            return null;
        }
        try {
            return Duration.ofSeconds(Long.parseLong(value.trim()));
        } catch (NumberFormatException notSeconds) {
            try {
                Instant at = DateTimeFormatter.RFC_1123_DATE_TIME.parse(value.trim(), Instant::from);
                Duration wait = Duration.between(Instant.now(), at);
                return wait.isNegative() ? Duration.ZERO : wait;
            } catch (DateTimeParseException notADate) {
                return null;
            }
        }
    }
}
