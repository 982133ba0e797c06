package kz.qazedu.bundle.edge;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessResourceFailureException;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.dao.RecoverableDataAccessException;
import org.springframework.dao.TransientDataAccessException;
import org.springframework.stereotype.Component;

/**
 * What the bundle's HTTP routes answer when they do not answer themselves (the {@code http-intake} error policy):
 * the rejection's status for bad input, 503 when a dependency is unavailable (so that Evolution or the CRM sends
 * it again), 500 for a failure of the bundle's own. The last two carry only a fixed message and a correlation id,
 * which the log holds with the cause.
 */
@Component("errorReplies")
public class ErrorReplies {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorReplies.class);

    private final JsonReplies replies;

    public ErrorReplies(JsonReplies replies) {
        this.replies = replies;
    }

    public HttpReply rejected(RequestRejectedException rejection) {
        return new HttpReply(rejection.status(), replies.error(rejection.code(), rejection.getMessage(), rejection.fields()));
    }

    /**
     * An exception that is no rejection: 503 when PostgreSQL or another dependency is unavailable (worth sending
     * again), else 500. Logged here with the correlation id the answer carries.
     */
    public HttpReply failed(Exception cause, String routeId, String correlationId) {
        if (isUnavailable(cause)) {
            LOG.warn("{} answered 503 [correlation id {}]: {}", routeId, correlationId, cause.toString());
            return new HttpReply(503, replies.unavailable("the request could not be stored durably now; send it again",
                    correlationId));
        }
        LOG.error("{} answered 500 [correlation id {}]", routeId, correlationId, cause);
        return new HttpReply(500, replies.internalError(correlationId));
    }

    private static boolean isUnavailable(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof UnavailableException || t instanceof TransientDataAccessException
                    || t instanceof DataAccessResourceFailureException || t instanceof RecoverableDataAccessException
                    || t instanceof QueryTimeoutException) {
                return true;
            }
        }
        return false;
    }
}
