package kz.qazedu.bundle.edge;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** A request with bad fields: answered 400 with every field and what is wrong with it. */
public class InvalidFieldsException extends RequestRejectedException {

    private final Map<String, String> fields;

    public InvalidFieldsException(Map<String, String> fields) {
        this("invalid_request", fields);
    }

    public InvalidFieldsException(String code, Map<String, String> fields) {
        super(400, code, "the request has invalid fields: " + String.join(", ", fields.keySet()));
        this.fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    @Override
    public Map<String, String> fields() {
        return fields;
    }
}
