package kz.qazedu.bundle.edge;

import org.apache.camel.Exchange;
import org.apache.camel.InvalidPayloadException;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.springframework.stereotype.Component;

/**
 * Writes the {@link HttpReply} in the message body as the HTTP response: its status, {@code application/json} and
 * its JSON. Read straight off the record: every answer of the bundle passes here, so no expression is evaluated per
 * request.
 */
@Component("httpReplyWriter")
public class HttpReplyWriter implements Processor {

    @Override
    public void process(Exchange exchange) throws InvalidPayloadException {
        Message message = exchange.getMessage();
        HttpReply reply = message.getMandatoryBody(HttpReply.class);
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, reply.status());
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(reply.json());
    }
}
