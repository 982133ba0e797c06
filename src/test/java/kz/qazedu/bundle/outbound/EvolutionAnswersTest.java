package kz.qazedu.bundle.outbound;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import kz.qazedu.bundle.outbound.EvolutionOutcome.Kind;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.http.base.HttpOperationFailedException;
import org.apache.hc.client5.http.ConnectTimeoutException;
import org.apache.hc.client5.http.HttpHostConnectException;
import org.apache.hc.core5.http.ConnectionRequestTimeoutException;
import org.apache.hc.core5.http.NoHttpResponseException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class EvolutionAnswersTest {

    private static final String SENT_TEXT = """
            {"key":{"remoteJid":"77051234567@s.whatsapp.net","fromMe":true,"id":"3EB0A7F3C21D9E84B6C0F1"},\
            "pushName":"","status":"PENDING","message":{"conversation":"Hi"},"messageType":"conversation",\
            "messageTimestamp":1762161124,"instanceId":"7f3c2a4e-5b1d-4c8e-9f60-2d7a1b3c4e5f","source":"unknown"}""";

    private static final String SENT_MEDIA = """
            {"key":{"remoteJid":"77051234567@s.whatsapp.net","fromMe":true,"id":"3EB05D7B4A3F9E1C2B80"},\
            "pushName":"","status":"PENDING","message":{"imageMessage":{"url":"https://mmg.whatsapp.net/o1/v/t62.7118-24/f1/m232/up-oil-image.enc",\
            "mimetype":"image/jpeg","caption":"Invoice","fileLength":"48213","height":800,"width":600}},\
            "messageType":"imageMessage","messageTimestamp":1762161180,"instanceId":"7f3c2a4e-5b1d-4c8e-9f60-2d7a1b3c4e5f",\
            "source":"unknown"}""";

    // answers --------------------------------------------------------------------------------------------------

    @Test
    void aSentMessageIsNamedByItsKeyId() {
        assertThat(EvolutionAnswers.classify(201, SENT_TEXT))
                .isEqualTo(new EvolutionOutcome(Kind.SENT, "3EB0A7F3C21D9E84B6C0F1", null));
        assertThat(EvolutionAnswers.classify(201, SENT_MEDIA))
                .isEqualTo(new EvolutionOutcome(Kind.SENT, "3EB05D7B4A3F9E1C2B80", null));
        assertThat(EvolutionAnswers.classify(200, SENT_TEXT).kind()).isEqualTo(Kind.SENT);
    }

    @Test
    void aSuccessWithoutAMessageIdLeavesTheMessageUnknown() {
        assertThat(EvolutionAnswers.classify(201, "{\"status\":\"PENDING\",\"message\":{\"conversation\":\"Hi\"}}"))
                .isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null, "Evolution answered 201 without a message id"));
        assertThat(EvolutionAnswers.classify(201, "{\"key\":{\"remoteJid\":\"77051234567@s.whatsapp.net\",\"id\":\"\"}}").kind())
                .isEqualTo(Kind.UNKNOWN);
        assertThat(EvolutionAnswers.classify(201, "{\"key\":{\"id\":{\"nested\":true}}}").kind()).isEqualTo(Kind.UNKNOWN);
        assertThat(EvolutionAnswers.classify(200, "OK"))
                .isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null, "Evolution answered 200 without a message id"));
        assertThat(EvolutionAnswers.classify(201, "")).isEqualTo(
                new EvolutionOutcome(Kind.UNKNOWN, null, "Evolution answered 201 without a message id"));
        assertThat(EvolutionAnswers.classify(201, null).kind()).isEqualTo(Kind.UNKNOWN);
    }

    @Test
    void aNumberWithoutWhatsAppIsNamed() {
        String body = """
                {"status":400,"error":"Bad Request","response":{"message":[{"jid":"77001234567@s.whatsapp.net",\
                "exists":false,"number":"77001234567"}]}}""";

        assertThat(EvolutionAnswers.classify(400, body))
                .isEqualTo(new EvolutionOutcome(Kind.NOT_ON_WHATSAPP, null, "not on WhatsApp: 77001234567"));
    }

    @Test
    void withoutANumberTheJidNamesWhoIsNotOnWhatsApp() {
        String body = """
                {"status":400,"error":"Bad Request","response":{"message":[[{"exists":false,\
                "jid":"77001234567@s.whatsapp.net"}]]}}""";

        assertThat(EvolutionAnswers.classify(400, body).reason()).isEqualTo("not on WhatsApp: 77001234567@s.whatsapp.net");
    }

    @Test
    void aRecipientThatExistsIsNoReasonForNotOnWhatsApp() {
        String body = """
                {"status":400,"error":"Bad Request","response":{"message":[{"jid":"77001234567@s.whatsapp.net",\
                "exists":true,"number":"77001234567"}]}}""";

        assertThat(EvolutionAnswers.classify(400, body)).isEqualTo(new EvolutionOutcome(Kind.REJECTED, null,
                "{\"jid\":\"77001234567@s.whatsapp.net\",\"exists\":true,\"number\":\"77001234567\"}"));
    }

    @Test
    void aRejectionGivesEvolutionsMessageAsAString() {
        String body = """
                {"status":400,"error":"Bad Request","response":{"message":"Owned media must be a url or base64"}}""";

        assertThat(EvolutionAnswers.classify(400, body))
                .isEqualTo(new EvolutionOutcome(Kind.REJECTED, null, "Owned media must be a url or base64"));
    }

    @Test
    void aRejectionJoinsAnArrayOfMessages() {
        String body = """
                {"status":400,"error":"Bad Request","response":{"message":["instance requires property \\"text\\"",\
                "number does not match pattern \\"^\\\\d+[\\\\.@\\\\w-]+\\""]}}""";

        assertThat(EvolutionAnswers.classify(400, body)).isEqualTo(new EvolutionOutcome(Kind.REJECTED, null,
                "instance requires property \"text\"; number does not match pattern \"^\\d+[\\.@\\w-]+\""));
    }

    @Test
    void aRejectionFlattensNestedArrays() {
        String body = """
                {"status":400,"error":"Bad Request","response":{"message":[["TypeError: Cannot read properties of \
                undefined (reading 'mimetype')"],["Error: media not found", "  "]]}}""";

        assertThat(EvolutionAnswers.classify(400, body).reason()).isEqualTo(
                "TypeError: Cannot read properties of undefined (reading 'mimetype'); Error: media not found");
    }

    @Test
    void aRejectionRendersObjectsAsCompactJson() {
        String body = """
                {"status":400,"error":"Bad Request","response":{"message":[{ "property": "mediatype",\
                "constraints": { "isEnum": "mediatype must be one of image, document, video, audio" } }]}}""";

        assertThat(EvolutionAnswers.classify(400, body).reason()).isEqualTo(
                "{\"property\":\"mediatype\",\"constraints\":{\"isEnum\":\"mediatype must be one of image, document, video, audio\"}}");
    }

    @Test
    void aRejectionWithoutMessagesNamesTheStatus() {
        assertThat(EvolutionAnswers.classify(400, "{\"status\":400,\"error\":\"Bad Request\",\"response\":{\"message\":[]}}"))
                .isEqualTo(new EvolutionOutcome(Kind.REJECTED, null, "Evolution answered 400"));
        assertThat(EvolutionAnswers.classify(400, "{\"status\":400,\"error\":\"Bad Request\",\"response\":{}}").reason())
                .isEqualTo("Evolution answered 400");
        assertThat(EvolutionAnswers.classify(422, "").reason()).isEqualTo("Evolution answered 422");
        assertThat(EvolutionAnswers.classify(413, null))
                .isEqualTo(new EvolutionOutcome(Kind.REJECTED, null, "Evolution answered 413"));
    }

    @Test
    void otherClientErrorsAreRejections() {
        assertThat(EvolutionAnswers.classify(422, "{\"message\":\"Unprocessable\"}"))
                .isEqualTo(new EvolutionOutcome(Kind.REJECTED, null, "Unprocessable"));
        assertThat(EvolutionAnswers.classify(413, "<html><head><title>413 Request Entity Too Large</title></head>"
                + "<body><center><h1>413 Request Entity Too Large</h1></center><hr><center>nginx</center></body></html>"))
                .isEqualTo(new EvolutionOutcome(Kind.REJECTED, null, "Evolution answered 413: 413 Request Entity Too Large nginx"));
    }

    @Test
    void aLongReasonIsCapped() {
        String body = "{\"status\":400,\"error\":\"Bad Request\",\"response\":{\"message\":[\"" + "x".repeat(2000) + "\"]}}";

        EvolutionOutcome outcome = EvolutionAnswers.classify(400, body);

        assertThat(outcome.kind()).isEqualTo(Kind.REJECTED);
        assertThat(outcome.reason()).hasSize(500).startsWith("xxx").endsWith("…");
        assertThat(EvolutionAnswers.classify(503, "x".repeat(2000)).reason()).hasSize(500);
    }

    @Test
    void aClosedConnectionMeansTheInstanceIsDisconnectedWhetherEvolutionSays400Or500() {
        String badRequest = """
                {"status":400,"error":"Bad Request","response":{"message":["Error: Connection Closed"]}}""";
        String internal = """
                {"status":500,"error":"Internal Server Error","response":{"message":"Error: Connection Closed"}}""";
        String nested = """
                {"status":400,"error":"Bad Request","response":{"message":[["Error: connection closed"]]}}""";

        EvolutionOutcome disconnected = new EvolutionOutcome(Kind.DISCONNECTED, null, "instance not connected: Connection Closed");
        assertThat(EvolutionAnswers.classify(400, badRequest)).isEqualTo(disconnected);
        assertThat(EvolutionAnswers.classify(500, internal)).isEqualTo(disconnected);
        assertThat(EvolutionAnswers.classify(400, nested)).isEqualTo(disconnected);
    }

    @Test
    void aWrongApiKeyIsAConfigurationError() {
        assertThat(EvolutionAnswers.classify(401, """
                {"status":401,"error":"Unauthorized","response":{"message":"Unauthorized"}}"""))
                .isEqualTo(new EvolutionOutcome(Kind.CONFIGURATION_ERROR, null,
                        "Evolution refused the API key (401): Unauthorized"));
        assertThat(EvolutionAnswers.classify(403, """
                {"status":403,"error":"Forbidden","response":{"message":["Missing global api key"]}}"""))
                .isEqualTo(new EvolutionOutcome(Kind.CONFIGURATION_ERROR, null,
                        "Evolution refused the API key (403): Missing global api key"));
        assertThat(EvolutionAnswers.classify(401, "").reason()).isEqualTo("Evolution refused the API key (401)");
    }

    @Test
    void anUnknownInstanceIsAConfigurationError() {
        assertThat(EvolutionAnswers.classify(404, """
                {"status":404,"error":"Not Found","response":{"message":["The \\"qazedu-sales\\" instance does not exist"]}}"""))
                .isEqualTo(new EvolutionOutcome(Kind.CONFIGURATION_ERROR, null,
                        "Evolution does not know this instance (404): The \"qazedu-sales\" instance does not exist"));
        assertThat(EvolutionAnswers.classify(404, """
                {"status":404,"error":"Not Found","response":{"message":["Cannot POST /message/sendTxt/qazedu-sales"]}}""")
                .kind()).isEqualTo(Kind.CONFIGURATION_ERROR);
        assertThat(EvolutionAnswers.classify(404, null).reason()).isEqualTo("Evolution does not know this instance (404)");
    }

    @Test
    void serverErrorsAreWorthARetry() {
        assertThat(EvolutionAnswers.classify(500, """
                {"status":500,"error":"Internal Server Error","response":{"message":"Internal Server Error"}}"""))
                .isEqualTo(new EvolutionOutcome(Kind.RETRY, null, "Evolution answered 500: Internal Server Error"));
        assertThat(EvolutionAnswers.classify(500, """
                {"status":500,"error":"Internal Server Error","response":{"message":["PrismaClientKnownRequestError: \
                Timed out fetching a new connection from the connection pool."]}}""").reason())
                .isEqualTo("Evolution answered 500: PrismaClientKnownRequestError: "
                        + "Timed out fetching a new connection from the connection pool.");
    }

    @Test
    void anHtmlErrorPageFromAProxyIsReadAsText() {
        String nginx = """
                <html>
                <head><title>503 Service Temporarily Unavailable</title></head>
                <body>
                <center><h1>503 Service Temporarily Unavailable</h1></center>
                <hr><center>nginx/1.27.2</center>
                </body>
                </html>
                """;

        assertThat(EvolutionAnswers.classify(503, nginx)).isEqualTo(new EvolutionOutcome(Kind.RETRY, null,
                "Evolution answered 503: 503 Service Temporarily Unavailable nginx/1.27.2"));
        // a proxy that lost Evolution's answer: the request may have been sent
        assertThat(EvolutionAnswers.classify(502, "Bad Gateway"))
                .isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null, "Evolution answered 502: Bad Gateway"));
        assertThat(EvolutionAnswers.classify(504, "")).isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null, "Evolution answered 504"));
    }

    @ParameterizedTest
    @ValueSource(ints = {408, 429, 500, 503, 599})
    void timeoutsRateLimitsAndServerErrorsAreWorthARetry(int status) {
        assertThat(EvolutionAnswers.classify(status, "{}"))
                .isEqualTo(new EvolutionOutcome(Kind.RETRY, null, "Evolution answered " + status));
    }

    @Test
    void aRateLimitKeepsItsMessage() {
        assertThat(EvolutionAnswers.classify(429, """
                {"status":429,"error":"Too Many Requests","response":{"message":["Rate limit exceeded"]}}""").reason())
                .isEqualTo("Evolution answered 429: Rate limit exceeded");
    }

    @ParameterizedTest
    @ValueSource(strings = {"not json at all", "{\"key\":", "<html><body>oops</body></html>", "[1,2", "\"just a string\"",
            "42", "null", "[\"Error: bad number\"]"})
    void aBodyThatIsNotAJsonObjectNeverThrows(String body) {
        assertThat(EvolutionAnswers.classify(400, body).kind()).isEqualTo(Kind.REJECTED);
        assertThat(EvolutionAnswers.classify(201, body).kind()).isEqualTo(Kind.UNKNOWN);
        assertThat(EvolutionAnswers.classify(503, body).kind()).isEqualTo(Kind.RETRY);
    }

    @Test
    void aPlainTextConnectionClosedIsStillRecognised() {
        assertThat(EvolutionAnswers.classify(500, "Error: Connection Closed").reason())
                .isEqualTo("instance not connected: Connection Closed");
    }

    @Test
    void unexpectedStatusesLeaveTheMessageUnknown() {
        assertThat(EvolutionAnswers.classify(302, ""))
                .isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null, "Evolution answered 302"));
        assertThat(EvolutionAnswers.classify(0, "whatever").kind()).isEqualTo(Kind.UNKNOWN);
    }

    // no answer ------------------------------------------------------------------------------------------------

    @Test
    void aRefusedConnectionIsWorthARetry() {
        assertThat(EvolutionAnswers.classify(new ConnectException("Connection refused")))
                .isEqualTo(new EvolutionOutcome(Kind.RETRY, null, "Evolution not reachable: ConnectException: Connection refused"));
        assertThat(EvolutionAnswers.classify(new HttpHostConnectException("Connect to http://evolution:8080 "
                + "[evolution/172.18.0.5] failed: Connection refused")))
                .isEqualTo(new EvolutionOutcome(Kind.RETRY, null, "Evolution not reachable: HttpHostConnectException: "
                        + "Connect to http://evolution:8080 [evolution/172.18.0.5] failed: Connection refused"));
    }

    @Test
    void aConnectTimeoutIsWorthARetryThoughItIsASocketTimeout() {
        ConnectTimeoutException timeout = new ConnectTimeoutException("Connect to http://evolution:8080 "
                + "[evolution/172.18.0.5] failed: Connect timed out");

        assertThat(timeout).isInstanceOf(SocketTimeoutException.class);
        assertThat(EvolutionAnswers.classify(timeout)).isEqualTo(new EvolutionOutcome(Kind.RETRY, null,
                "Evolution not reachable: ConnectTimeoutException: Connect to http://evolution:8080 "
                        + "[evolution/172.18.0.5] failed: Connect timed out"));
    }

    @Test
    void anUnresolvedOrUnroutableHostIsWorthARetry() {
        assertThat(EvolutionAnswers.classify(new UnknownHostException("evolution: Name or service not known")))
                .isEqualTo(new EvolutionOutcome(Kind.RETRY, null,
                        "Evolution not reachable: UnknownHostException: evolution: Name or service not known"));
        assertThat(EvolutionAnswers.classify(new NoRouteToHostException("No route to host")))
                .isEqualTo(new EvolutionOutcome(Kind.RETRY, null, "Evolution not reachable: NoRouteToHostException: No route to host"));
    }

    @Test
    void waitingForAPooledConnectionIsWorthARetry() {
        assertThat(EvolutionAnswers.classify(new ConnectionRequestTimeoutException("Timeout deadline: 3000 MILLISECONDS, actual: 3001 MILLISECONDS")))
                .isEqualTo(new EvolutionOutcome(Kind.RETRY, null, "Evolution not reachable: ConnectionRequestTimeoutException: "
                        + "Timeout deadline: 3000 MILLISECONDS, actual: 3001 MILLISECONDS"));
    }

    @Test
    void aReadTimeoutLeavesTheMessageUnknown() {
        assertThat(EvolutionAnswers.classify(new SocketTimeoutException("Read timed out")))
                .isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null,
                        "no answer from Evolution after the request was sent: SocketTimeoutException: Read timed out"));
    }

    @Test
    void aDroppedAnswerLeavesTheMessageUnknown() {
        assertThat(EvolutionAnswers.classify(new NoHttpResponseException("evolution:8080 failed to respond")))
                .isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null,
                        "no answer from Evolution after the request was sent: NoHttpResponseException: evolution:8080 failed to respond"));
        assertThat(EvolutionAnswers.classify(new SocketException("Connection reset")))
                .isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null,
                        "no answer from Evolution after the request was sent: SocketException: Connection reset"));
        assertThat(EvolutionAnswers.classify(new IOException()))
                .isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null, "no answer from Evolution after the request was sent: IOException"));
    }

    @Test
    void wrappedCausesAreFound() {
        assertThat(EvolutionAnswers.classify(new CamelExecutionException("Exception occurred during execution", null,
                new RuntimeCamelException(new HttpHostConnectException("Connection refused")))))
                .isEqualTo(new EvolutionOutcome(Kind.RETRY, null, "Evolution not reachable: HttpHostConnectException: Connection refused"));
        assertThat(EvolutionAnswers.classify(new ExecutionException(new IOException("wrapped",
                new ConnectTimeoutException("Connect timed out")))).reason())
                .isEqualTo("Evolution not reachable: ConnectTimeoutException: Connect timed out");
    }

    @Test
    void aWrappedReadTimeoutIsDescribedByTheInnermostCause() {
        assertThat(EvolutionAnswers.classify(new RuntimeCamelException(new SocketTimeoutException("Read timed out"))))
                .isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null,
                        "no answer from Evolution after the request was sent: SocketTimeoutException: Read timed out"));
    }

    @Test
    void aCauseCycleEnds() {
        IOException first = new IOException("first");
        IOException second = new IOException("second", first);
        first.initCause(second);

        assertThat(EvolutionAnswers.classify(first).kind()).isEqualTo(Kind.UNKNOWN);
    }

    @Test
    void camelsHttpFailureCarriesAnAnswerAndIsClassifiedByIt() {
        HttpOperationFailedException failed = new HttpOperationFailedException(
                "http://evolution:8080/message/sendText/qazedu-sales", 400, "Bad Request", null, Map.of(),
                "{\"status\":400,\"error\":\"Bad Request\",\"response\":{\"message\":[{\"jid\":\"77001234567@s.whatsapp.net\","
                        + "\"exists\":false,\"number\":\"77001234567\"}]}}");

        assertThat(EvolutionAnswers.classify(new CamelExecutionException("failed", null, failed)))
                .isEqualTo(new EvolutionOutcome(Kind.NOT_ON_WHATSAPP, null, "not on WhatsApp: 77001234567"));
    }

    @Test
    void withoutAnErrorTheMessageIsUnknown() {
        assertThat(EvolutionAnswers.classify((Throwable) null))
                .isEqualTo(new EvolutionOutcome(Kind.UNKNOWN, null, "no answer from Evolution after the request was sent"));
    }
}
