package kz.qazedu.bundle.outbound;

/**
 * One call of Evolution's send API that the pacer has allowed: {@code POST /message/<endpoint>/<instance>} with
 * {@link #requestBody()}.
 *
 * @param endpoint     {@code sendText} or {@code sendMedia}
 * @param instancePath the instance name, URL-encoded for the path
 * @param typingMs     the typing delay passed as {@code delay}: Evolution holds the call this long
 * @param attempt      1 for the first call, then one more per retry
 */
public record SendJob(String id, String instance, String endpoint, String instancePath, String requestBody,
                      long typingMs, int attempt) {
}
