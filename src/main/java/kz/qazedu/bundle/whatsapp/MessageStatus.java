package kz.qazedu.bundle.whatsapp;

import java.util.Locale;

/**
 * WhatsApp delivery statuses as Evolution reports them, ranked so that a status only ever moves forward:
 * PENDING &lt; SERVER_ACK &lt; ERROR &lt; DELIVERY_ACK &lt; READ &lt; PLAYED &lt; DELETED.
 * <p>ERROR outranks the acknowledgements that precede delivery (the send failed) but not delivery itself (a
 * delivered message did not fail); DELETED is final. Older Evolution versions send Baileys' numbers 0–5, which
 * map to the same names. A status the bundle does not know is kept in the history with rank 0 and never
 * overwrites a known one.
 */
public enum MessageStatus {
    UNKNOWN(0),
    PENDING(10),
    SERVER_ACK(20),
    ERROR(25),
    DELIVERY_ACK(30),
    READ(40),
    PLAYED(50),
    DELETED(90);

    private final int rank;

    MessageStatus(int rank) {
        this.rank = rank;
    }

    public int rank() {
        return rank;
    }

    public static MessageStatus of(String value) {
        if (value == null) {
            return UNKNOWN;
        }
        return switch (value.trim().toUpperCase(Locale.ROOT)) {
            case "0", "ERROR" -> ERROR;
            case "1", "PENDING" -> PENDING;
            case "2", "SERVER_ACK" -> SERVER_ACK;
            case "3", "DELIVERY_ACK" -> DELIVERY_ACK;
            case "4", "READ" -> READ;
            case "5", "PLAYED" -> PLAYED;
            case "DELETED" -> DELETED;
            default -> UNKNOWN;
        };
    }
}
