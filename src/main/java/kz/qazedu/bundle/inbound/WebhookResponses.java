package kz.qazedu.bundle.inbound;

import java.util.LinkedHashMap;
import java.util.Map;

import kz.qazedu.bundle.edge.HttpReply;
import kz.qazedu.bundle.edge.JsonReplies;
import org.springframework.stereotype.Component;

/**
 * The webhook intake's answer once the event is in the journal: 202 for a new event, 200 for a duplicate, both
 * naming the event id. Refusals and failures are answered by {@link kz.qazedu.bundle.edge.ErrorReplies}.
 */
@Component("webhookResponses")
public class WebhookResponses {

    private final JsonReplies replies;

    public WebhookResponses(JsonReplies replies) {
        this.replies = replies;
    }

    public HttpReply accepted(EventJournal.JournalReceipt receipt) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("status", receipt.duplicate() ? "duplicate" : "accepted");
        body.put("eventId", receipt.eventId());
        return new HttpReply(receipt.duplicate() ? 200 : 202, replies.write(body));
    }
}
