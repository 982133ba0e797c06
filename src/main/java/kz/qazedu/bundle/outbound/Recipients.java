package kz.qazedu.bundle.outbound;

import java.util.Locale;
import java.util.regex.Pattern;

import kz.qazedu.bundle.whatsapp.Jids;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Reads the {@code to} of a send request the way people type phone numbers: with spaces, dashes, brackets, a
 * {@code +} or {@code 00} in front, or in the national form ({@code 8 700 123 45 67}, {@code 700 123 45 67})
 * that a CRM user in Kazakhstan writes without thinking. National forms get the configured country code; a
 * number that starts with {@code +} or {@code 00} is taken as international and left alone. WhatsApp JIDs are
 * accepted too, so that a reply can go to exactly the chat a message came from, including LIDs and groups that
 * have no phone number.
 */
@Component("recipients")
public class Recipients {

    /** Digits of a national significant number in Kazakhstan (and the rest of zone 7): {@code 700 123 45 67}. */
    static final int NATIONAL_LENGTH = 10;
    static final int MIN_DIGITS = 8;
    static final int MAX_DIGITS = 15;
    private static final int QUOTED_MAX = 64;

    private static final Pattern SEPARATORS = Pattern.compile("[\\s\\p{Z}\\-.()\\[\\]]");
    private static final Pattern DIGITS = Pattern.compile("\\d+");
    private static final String C_US_SUFFIX = "@c.us";

    private final String countryCode;
    private final String trunkPrefix;

    @Autowired
    public Recipients(OutboundSettings settings) {
        this(settings.defaultCountryCode(), settings.trunkPrefix());
    }

    public Recipients(String countryCode, String trunkPrefix) {
        this.countryCode = countryCode(countryCode);
        this.trunkPrefix = trunkPrefix(trunkPrefix);
    }

    /** {@code text} as a country code: digits, trimmed. */
    static String countryCode(String text) {
        String code = text == null ? "" : text.trim();
        if (!DIGITS.matcher(code).matches()) {
            throw new IllegalArgumentException("bundle.outbound.default-country-code must be digits, got '" + text + "'");
        }
        return code;
    }

    /** {@code text} as a trunk prefix: digits or nothing, trimmed. */
    static String trunkPrefix(String text) {
        String prefix = text == null ? "" : text.trim();
        if (!prefix.isEmpty() && !DIGITS.matcher(prefix).matches()) {
            throw new IllegalArgumentException("bundle.outbound.trunk-prefix must be digits or empty, got '" + text + "'");
        }
        return prefix;
    }

    /**
     * @throws IllegalArgumentException with a message a human can act on (it is returned to the API caller as the
     *         reason for field "to")
     */
    public Recipient parse(String to) {
        if (to == null || to.isBlank()) {
            throw new IllegalArgumentException("'to' is required");
        }
        String value = to.trim();
        return value.indexOf('@') >= 0 ? parseJid(value) : parsePhone(value);
    }

    private Recipient parseJid(String value) {
        int at = value.lastIndexOf('@');
        String user = value.substring(0, at);
        String domain = value.substring(at).toLowerCase(Locale.ROOT);
        if (domain.equals(Jids.PHONE_SUFFIX) || domain.equals(C_US_SUFFIX)) {
            if (!DIGITS.matcher(user).matches()) {
                throw new IllegalArgumentException("'to' " + quote(value)
                        + " is not a phone JID: the part before " + domain + " must be the number in digits with the country code");
            }
            String digits = checkLength(user, value);
            return new Recipient(digits, digits + Jids.PHONE_SUFFIX, Recipient.Kind.PHONE);
        }
        if (domain.equals(Jids.LID_SUFFIX) || domain.equals(Jids.GROUP_SUFFIX)) {
            if (user.isEmpty() || user.chars().anyMatch(c -> Character.isWhitespace(c) || c == '@')) {
                throw new IllegalArgumentException("'to' " + quote(value) + " has no valid id before " + domain);
            }
            String jid = user + domain;
            return new Recipient(jid, jid, domain.equals(Jids.LID_SUFFIX) ? Recipient.Kind.LID : Recipient.Kind.GROUP);
        }
        throw new IllegalArgumentException("'to' " + quote(value) + " has an unknown WhatsApp domain " + quote(domain)
                + "; use a phone number or a JID ending in @s.whatsapp.net, @c.us, @lid or @g.us");
    }

    private Recipient parsePhone(String value) {
        String compact = SEPARATORS.matcher(value).replaceAll("");
        boolean international = compact.startsWith("+");
        String digits = international ? compact.substring(1) : compact;
        if (!DIGITS.matcher(digits).matches()) {
            throw new IllegalArgumentException("'to' " + quote(value)
                    + " is not a phone number: use digits with an optional leading +, spaces, dashes, dots or brackets");
        }
        if (!international && digits.startsWith("00")) {
            digits = digits.substring(2);
        } else if (!international) {
            digits = withCountryCode(digits);
        }
        String number = checkLength(digits, value);
        return new Recipient(number, number + Jids.PHONE_SUFFIX, Recipient.Kind.PHONE);
    }

    /** {@code 7001234567 -> 77001234567}, {@code 87001234567 -> 77001234567}; anything else is already international. */
    private String withCountryCode(String digits) {
        if (digits.length() == NATIONAL_LENGTH) {
            return countryCode + digits;
        }
        if (!trunkPrefix.isEmpty() && digits.length() == trunkPrefix.length() + NATIONAL_LENGTH
                && digits.startsWith(trunkPrefix)) {
            return countryCode + digits.substring(trunkPrefix.length());
        }
        return digits;
    }

    private static String checkLength(String digits, String value) {
        if (digits.length() < MIN_DIGITS || digits.length() > MAX_DIGITS) {
            throw new IllegalArgumentException("'to' " + quote(value) + " has " + digits.length()
                    + " digits; a phone number with its country code has " + MIN_DIGITS + " to " + MAX_DIGITS);
        }
        return digits;
    }

    /** The caller's input, echoed in the reason; long garbage is cut so the reason stays readable. */
    private static String quote(String value) {
        return "'" + (value.length() > QUOTED_MAX ? value.substring(0, QUOTED_MAX) + "…" : value) + "'";
    }
}
