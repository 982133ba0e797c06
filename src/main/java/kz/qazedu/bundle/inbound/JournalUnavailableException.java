package kz.qazedu.bundle.inbound;

import kz.qazedu.bundle.edge.UnavailableException;

/**
 * The event could not be made durable (database down, intake saturated, commit too slow). The intake answers
 * 503 so that Evolution sends it again.
 */
public class JournalUnavailableException extends UnavailableException {

    public JournalUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
