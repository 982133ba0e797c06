package kz.qazedu.bundle.edge;

/**
 * What a route answers: a status code and its JSON body. The {@code http-reply} route writes it as the HTTP
 * response.
 */
public record HttpReply(int status, String json) {
}
