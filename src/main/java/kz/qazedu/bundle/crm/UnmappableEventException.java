package kz.qazedu.bundle.crm;

/**
 * A stored event that cannot be turned into a signed CRM request (its payload breaks the mapping or the JSON
 * writer). Trying again changes nothing: the delivery is dead-lettered at once, with this as its reason.
 */
public class UnmappableEventException extends RuntimeException {

    public UnmappableEventException(String message, Throwable cause) {
        super(message, cause);
    }
}
