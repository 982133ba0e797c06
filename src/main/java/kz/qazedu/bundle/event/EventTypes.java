package kz.qazedu.bundle.event;

import java.util.Set;

/**
 * The event names the bundle knows: Evolution's that it reads, its own that it journals about sending, and the
 * types the CRM receives. Any other Evolution event is journaled, streamed and forwarded under its own name
 * without the bundle looking inside.
 */
public final class EventTypes {

    // Evolution's events the bundle reads
    public static final String MESSAGES_UPSERT = "messages.upsert";
    public static final String SEND_MESSAGE = "send.message";
    public static final String MESSAGES_UPDATE = "messages.update";
    public static final String MESSAGES_DELETE = "messages.delete";
    public static final String MESSAGES_EDITED = "messages.edited";
    public static final String CONNECTION_UPDATE = "connection.update";
    public static final String QRCODE_UPDATED = "qrcode.updated";

    /** The prefix of the events the bundle journals about the messages it sends and the instances' sending. */
    public static final String OUTBOUND_PREFIX = "outbound.";
    /** A status change of a message sent through the bundle's API. */
    public static final String OUTBOUND_STATUS = OUTBOUND_PREFIX + "status";
    /** An instance's sending paused or resumed. */
    public static final String OUTBOUND_INSTANCE = OUTBOUND_PREFIX + "instance";
    /** A prefix kept for the bundle's own events. */
    public static final String BUNDLE_PREFIX = "bundle.";
    /** An instance Evolution calls open went silent beyond INSTANCE_SILENCE_LIMIT, or talks again. */
    public static final String BUNDLE_INSTANCE_SILENCE = BUNDLE_PREFIX + "instance.silence";

    // the types the CRM receives (CrmEvent.type)
    public static final String CRM_MESSAGE_RECEIVED = "message.received";
    public static final String CRM_MESSAGE_SENT = "message.sent";
    public static final String CRM_MESSAGE_STATUS = "message.status";
    public static final String CRM_INSTANCE_CONNECTION = "instance.connection";
    public static final String CRM_INSTANCE_QRCODE = "instance.qrcode";
    public static final String CRM_INSTANCE_SENDING = "instance.sending";
    public static final String CRM_INSTANCE_SILENCE = "instance.silence";
    /** Every other event reaches the CRM as {@code evolution.<event>}. */
    public static final String CRM_EVOLUTION_PREFIX = "evolution.";
    public static final Set<String> CRM_TYPES = Set.of(CRM_MESSAGE_RECEIVED, CRM_MESSAGE_SENT, CRM_MESSAGE_STATUS,
            CRM_INSTANCE_CONNECTION, CRM_INSTANCE_QRCODE, CRM_INSTANCE_SENDING, CRM_INSTANCE_SILENCE);

    /** Whether the event is one the bundle journals itself (about its sends, sending, silence), not Evolution's. */
    public static boolean isBundles(String eventType) {
        return eventType.startsWith(OUTBOUND_PREFIX) || eventType.startsWith(BUNDLE_PREFIX);
    }

    private EventTypes() {
    }
}
