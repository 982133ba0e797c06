package kz.qazedu.bundle.outbound;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

import kz.qazedu.bundle.inbound.WebhookRejectedException;

/** A send request with bad fields: answered 400 with every field and what is wrong with it. */
public class InvalidRequestException extends WebhookRejectedException {

    private final Map<String, String> fields;

    public InvalidRequestException(Map<String, String> fields) {
        super(400, "invalid_request", "the request has invalid fields: " + String.join(", ", fields.keySet()));
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    @Override
    public Map<String, String> fields() {
        return fields;
    }
}
