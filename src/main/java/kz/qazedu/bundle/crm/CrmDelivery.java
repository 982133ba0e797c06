package kz.qazedu.bundle.crm;

import java.time.Instant;

/**
 * One event on its way to the CRM, as claimed for an attempt, with the stored event it carries.
 *
 * @param attempt    the number of this attempt (1 for the first)
 * @param receivedAt when the bundle received the event
 * @param payload    the stored event (Evolution's webhook body, as journaled)
 */
public record CrmDelivery(String eventId, long seq, String orderingKey, String instance, String eventType, int attempt,
                          Instant receivedAt, String payload) {
}
