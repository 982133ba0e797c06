package kz.qazedu.bundle.crm;

import java.time.Instant;

/**
 * What became of one claimed delivery in a forwarding round: the CRM's answer, an error before any answer, or
 * nothing (the delivery was not tried because an earlier one of its chat failed, or the round ran out of time).
 *
 * @param status     the CRM's HTTP status, or null without an answer
 * @param retryAfter the CRM's {@code Retry-After} header, if any
 * @param error      what went wrong before an answer (connection, timeout, an event that cannot be mapped)
 * @param body       what was (or would have been) sent, kept when the CRM did not take it: the CRM event JSON, or
 *                   the stored payload when it cannot be mapped; what a dead letter carries. Null for a success.
 */
public record CrmAttempt(CrmDelivery delivery, boolean tried, Integer status, String retryAfter, Throwable error,
                         Instant startedAt, long latencyMs, String body) {

    static CrmAttempt answered(CrmDelivery delivery, int status, String retryAfter, Instant startedAt, long latencyMs,
                               String body) {
        return new CrmAttempt(delivery, true, status, retryAfter, null, startedAt, latencyMs, body);
    }

    static CrmAttempt failed(CrmDelivery delivery, Throwable error, Instant startedAt, long latencyMs, String body) {
        return new CrmAttempt(delivery, true, null, null, error, startedAt, latencyMs, body);
    }

    static CrmAttempt notTried(CrmDelivery delivery) {
        return new CrmAttempt(delivery, false, null, null, null, null, 0, null);
    }

    /** Whether the CRM took it: the chat may go on to its next delivery. */
    boolean succeeded() {
        return status != null && takes(status);
    }

    /** Whether an answer with this status means the CRM took the delivery. */
    static boolean takes(int status) {
        return status >= 200 && status < 300;
    }
}
