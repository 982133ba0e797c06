package kz.qazedu.bundle.inbound;

import java.util.List;
import java.util.Locale;

import kz.qazedu.bundle.event.EventTypes;

/**
 * Event names a webhook may not carry, because they are the bundle's own: the events it journals about the messages
 * it sends and the instances' sending ({@code outbound.status}, {@code outbound.instance}, anything under
 * {@code outbound.} or {@code bundle.}), and the types the CRM receives ({@code message.status},
 * {@code instance.sending}, ...). Accepting one would let whoever can post a webhook make the bundle sign a forged
 * "read" or "paused" for the CRM. Evolution's own names are plural ({@code messages.update}) or end in a verb
 * ({@code instance.create}) and never collide.
 */
public final class ReservedEventNames {

    private static final List<String> PREFIXES = List.of(EventTypes.OUTBOUND_PREFIX, EventTypes.BUNDLE_PREFIX);

    private ReservedEventNames() {
    }

    public static boolean isReserved(String event) {
        String name = event.toLowerCase(Locale.ROOT);
        return EventTypes.CRM_TYPES.contains(name) || PREFIXES.stream().anyMatch(name::startsWith);
    }
}
