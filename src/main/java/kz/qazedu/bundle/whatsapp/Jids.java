package kz.qazedu.bundle.whatsapp;

/**
 * WhatsApp addresses as Evolution writes them: {@code <digits>@s.whatsapp.net} (a phone), {@code <id>@g.us}
 * (a group) and {@code <id>@lid} (WhatsApp's hidden-number id). Versions disagree on whether the phone or the
 * LID sits in {@code remoteJid} or in {@code remoteJidAlt}: {@link #preferPhone} picks the phone where there is
 * one.
 */
public final class Jids {

    public static final String PHONE_SUFFIX = "@s.whatsapp.net";
    public static final String GROUP_SUFFIX = "@g.us";
    public static final String LID_SUFFIX = "@lid";

    private Jids() {
    }

    /** The first candidate that is a phone JID, else the first that is a LID, else the first non-blank one. */
    public static String preferPhone(String... candidates) {
        for (String jid : candidates) {
            if (isPhone(jid)) {
                return jid;
            }
        }
        for (String jid : candidates) {
            if (isLid(jid)) {
                return jid;
            }
        }
        for (String jid : candidates) {
            if (jid != null && !jid.isBlank()) {
                return jid;
            }
        }
        return null;
    }

    /** The first candidate that is a LID, or null. */
    public static String firstLid(String... candidates) {
        for (String jid : candidates) {
            if (isLid(jid)) {
                return jid;
            }
        }
        return null;
    }

    public static boolean isPhone(String jid) {
        return jid != null && jid.endsWith(PHONE_SUFFIX);
    }

    public static boolean isLid(String jid) {
        return jid != null && jid.endsWith(LID_SUFFIX);
    }

    public static boolean isGroup(String jid) {
        return jid != null && jid.endsWith(GROUP_SUFFIX);
    }

    /** The digits of a phone JID ({@code 77051234567@s.whatsapp.net -> 77051234567}), else null. */
    public static String phoneOf(String jid) {
        if (!isPhone(jid)) {
            return null;
        }
        String user = jid.substring(0, jid.length() - PHONE_SUFFIX.length());
        int device = user.indexOf(':');
        return device >= 0 ? user.substring(0, device) : user;
    }
}
