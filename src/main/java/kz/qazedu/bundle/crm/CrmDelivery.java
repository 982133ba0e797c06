package kz.qazedu.bundle.crm;

/**
 * One event on its way to the CRM, as claimed for an attempt.
 *
 * @param attempt the number of this attempt (1 for the first)
 */
public record CrmDelivery(String eventId, long seq, String orderingKey, String instance, String eventType, int attempt) {
}
