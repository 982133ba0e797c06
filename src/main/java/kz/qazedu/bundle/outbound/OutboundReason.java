package kz.qazedu.bundle.outbound;

import java.util.Locale;

/**
 * Why an outbound message failed or waits ({@code outbound_message.reason_code}, {@code reasonCode} in the API and
 * in {@code outbound.status} events): the code, lower case; the human reason travels beside it.
 */
public enum OutboundReason {

    /** The recipient never wrote to the instance and the first-contact budget is 0. */
    FIRST_CONTACT_NOT_ALLOWED,
    /** Evolution says the number has no WhatsApp account. */
    NOT_ON_WHATSAPP,
    /** Evolution refused the request itself. */
    REJECTED,
    /** Evolution refused the API key or the instance name. */
    CONFIGURATION,
    /** Nothing went out; queued again after the retry schedule's next delay. */
    RETRYING,
    /** Evolution answered 5xx: queued again, but the message may have gone out, so a confirmation still counts. */
    RETRYING_SERVER_ERROR,
    /** Failed after the retry schedule's last delay. */
    RETRIES_EXHAUSTED,
    /** Evolution said the instance lost its connection: queued again, the instance held. */
    INSTANCE_DISCONNECTED,
    /** The request went out but no answer came back. */
    UNCONFIRMED,
    /** No confirmation came within the window; queued to be sent again ({@code OUTBOUND_UNCONFIRMED_ACTION=resend}). */
    RESENDING_UNCONFIRMED,
    /** WhatsApp reported an ERROR status for the message. */
    WHATSAPP_ERROR;

    private final String code = name().toLowerCase(Locale.ROOT);

    /** The code as stored and shown. */
    public String code() {
        return code;
    }

    /** The code in SQL text, quoted: for predicates that must match a partial index's. */
    String sql() {
        return "'" + code + "'";
    }

    /** The reason of a stored code; null for none, or for a code this version does not write. */
    public static OutboundReason of(String code) {
        if (code == null) {
            return null;
        }
        for (OutboundReason reason : values()) {
            if (reason.code.equals(code)) {
                return reason;
            }
        }
        return null;
    }
}
