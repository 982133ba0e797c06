package kz.qazedu.bundle.edge;

import java.util.Map;

/**
 * A request (a webhook, or a call of the bundle's API) the bundle refuses for a reason of the sender's: answered
 * with {@link #status()} and a JSON body naming {@link #code()} and the reason ({@link ErrorReplies#rejected}).
 * Evolution does not retry these.
 */
public class RequestRejectedException extends RuntimeException {

    private final int status;
    private final String code;

    public RequestRejectedException(int status, String code, String message) {
        super(message);
        this.status = status;
        this.code = code;
    }

    public static RequestRejectedException badRequest(String code, String message) {
        return new RequestRejectedException(400, code, message);
    }

    public static RequestRejectedException unauthorized(String message) {
        return new RequestRejectedException(401, "unauthorized", message);
    }

    public int status() {
        return status;
    }

    public String code() {
        return code;
    }

    /** The request's fields that are wrong, each with what is wrong with it (none for most rejections). */
    public Map<String, String> fields() {
        return Map.of();
    }
}
