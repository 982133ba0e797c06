package kz.qazedu.bundle.outbound;

import java.util.Locale;

import kz.qazedu.bundle.whatsapp.MessageStatus;

/**
 * The statuses of a message sent through the bundle's API ({@code outbound_message.status}, {@code status_rank}),
 * in the order of their rank: a status only moves forward by rank unless the change is forced, and the one way
 * back is a confirmation that a send which failed without one did go out ({@link OutboundStatusWriter}).
 * <ul>
 *   <li>{@link #QUEUED}, {@link #SENDING}: the bundle is not done with the message; it waits for its turn, or
 *       Evolution is sending it.</li>
 *   <li>{@link #UNKNOWN}: no answer came back; a {@code send.message} webhook confirms it, or the housekeeping
 *       decides after the unconfirmed window.</li>
 *   <li>{@link #SENT}, {@link #DELIVERED}, {@link #READ}, {@link #PLAYED}: the message went out; only WhatsApp's
 *       reports move it further.</li>
 *   <li>{@link #FAILED}: final; the bundle does not send it again. WhatsApp's report that it went out after all
 *       still moves an unconfirmed failure on.</li>
 * </ul>
 */
public enum OutboundStatus {

    QUEUED(0),
    SENDING(10),
    UNKNOWN(15),
    SENT(20),
    FAILED(25),
    DELIVERED(30),
    READ(40),
    PLAYED(50);

    private final int rank;
    private final String wireName;

    OutboundStatus(int rank) {
        this.rank = rank;
        this.wireName = name().toLowerCase(Locale.ROOT);
    }

    public int rank() {
        return rank;
    }

    /** The status as stored, in the API and in {@code outbound.status} events: lower case. */
    public String wireName() {
        return wireName;
    }

    /** The status in SQL text, quoted: for predicates that must match a partial index's. */
    String sql() {
        return "'" + wireName + "'";
    }

    /** Whether the message went out: sent, and whatever WhatsApp reported after, but a failure. */
    public boolean wentOut() {
        return rank >= SENT.rank && this != FAILED;
    }

    public static OutboundStatus of(String wireName) {
        return valueOf(wireName.toUpperCase(Locale.ROOT));
    }

    /**
     * What WhatsApp's report about a message the bundle sent makes of it: accepted by the server (PENDING,
     * SERVER_ACK) is sent, ERROR is failed; delivered, read and played are themselves. Null for a report that
     * changes nothing (DELETED, unknown statuses).
     */
    public static OutboundStatus reportedAs(MessageStatus reported) {
        return switch (reported) {
            case PENDING, SERVER_ACK -> SENT;
            case ERROR -> FAILED;
            case DELIVERY_ACK -> DELIVERED;
            case READ -> READ;
            case PLAYED -> PLAYED;
            case DELETED, UNKNOWN -> null;
        };
    }
}
