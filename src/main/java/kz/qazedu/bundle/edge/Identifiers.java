package kz.qazedu.bundle.edge;

import java.util.Map;
import java.util.regex.Pattern;

/**
 * The identifiers the bundle takes from outside, each with its documented maximum length and characters. Values
 * beyond them are refused at the edge with 400 naming the field, because they could never be stored, indexed,
 * put in a URL or shown: a request that is answered "send it again" instead would come back for ever.
 * <ul>
 *   <li>{@link #INSTANCE}: an Evolution instance name, 1 to 100 letters, digits, spaces and {@code _ - . @ +},
 *       starting with a letter or digit, without {@code ..};</li>
 *   <li>{@link #EVENT}: an event name, 1 to 64 of {@code a-z A-Z 0-9 . _ -}, starting with a letter or digit;</li>
 *   <li>{@link #MESSAGE_ID}: a WhatsApp message id, 1 to 128 visible ASCII characters;</li>
 *   <li>{@link #JID}: a WhatsApp address ({@code …@s.whatsapp.net}, {@code …@g.us}, {@code …@lid}), 1 to 128
 *       visible ASCII characters;</li>
 *   <li>{@link #STATUS}: a delivery status, 1 to 32 of {@code A-Z a-z 0-9 _};</li>
 *   <li>{@link #IDEMPOTENCY_KEY}: 1 to 255 printable ASCII characters;</li>
 *   <li>{@link #RESOURCE_ID}: the id of a message or event in a URL path, 1 to 255 characters, no control
 *       characters and no {@code /}.</li>
 * </ul>
 */
public enum Identifiers {

    INSTANCE(100, Pattern.compile("[\\p{L}\\p{N}][\\p{L}\\p{N}\\p{M} _.@+-]*"),
            "letters, digits, spaces and _ - . @ +, starting with a letter or digit, without '..'"),
    EVENT(64, Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*"), "letters, digits and . _ -, starting with a letter or digit"),
    MESSAGE_ID(128, Pattern.compile("[\\x21-\\x7E]+"), "visible ASCII characters"),
    JID(128, Pattern.compile("[\\x21-\\x7E]+"), "visible ASCII characters"),
    STATUS(32, Pattern.compile("[A-Za-z0-9_]+"), "letters, digits and _"),
    IDEMPOTENCY_KEY(255, Pattern.compile("[\\x20-\\x7E]+"), "printable ASCII characters"),
    RESOURCE_ID(255, Pattern.compile("[^\\p{Cntrl}/]+"), "no control characters and no '/'");

    private final int maxLength;
    private final Pattern characters;
    private final String description;

    Identifiers(int maxLength, Pattern characters, String description) {
        this.maxLength = maxLength;
        this.characters = characters;
        this.description = description;
    }

    /** What is wrong with {@code value} as this kind of identifier, or null when nothing is. */
    public String problem(String value) {
        if (value == null || value.isEmpty()) {
            return "must not be empty";
        }
        if (value.length() > maxLength) {
            return "must be at most " + maxLength + " characters (" + description + ")";
        }
        if (!characters.matcher(value).matches() || (this == INSTANCE && value.contains(".."))) {
            return "must be " + description + ", at most " + maxLength + " characters";
        }
        return null;
    }

    /** Adds {@code field}'s problem to {@code problems}, if it has one. */
    public void check(String field, String value, Map<String, String> problems) {
        String problem = problem(value);
        if (problem != null) {
            problems.putIfAbsent(field, problem);
        }
    }

    /**
     * @throws InvalidFieldsException 400 naming {@code field}, when {@code value} is not a valid identifier
     */
    public String require(String field, String value) {
        String problem = problem(value);
        if (problem != null) {
            throw new InvalidFieldsException(Map.of(field, problem));
        }
        return value;
    }
}
