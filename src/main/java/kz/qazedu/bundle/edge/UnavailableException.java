package kz.qazedu.bundle.edge;

/**
 * The request could not be served now because something it needs is unavailable (the intake's journal, for
 * instance): answered 503 ({@link ErrorReplies#failed}), so that the sender sends it again.
 */
public class UnavailableException extends RuntimeException {

    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
