package kz.qazedu.bundle.outbound;

/**
 * What became of one send through Evolution. {@code waMessageId} is set only for {@link Kind#SENT}: it is the id
 * under which the later {@code messages.update} webhooks report delivery and reading. {@code reason} says, for
 * everything else, what a person looking at the failed send needs to know.
 */
public record EvolutionOutcome(Kind kind, String waMessageId, String reason) {

    public enum Kind {
        /** Evolution accepted the message and named its WhatsApp id. */
        SENT,
        /** The number has no WhatsApp account; sending again will not help. */
        NOT_ON_WHATSAPP,
        /** Evolution refused the request itself (bad number, bad media); sending it again unchanged will not help. */
        REJECTED,
        /** Wrong API key or instance name: nothing will go out until someone fixes the configuration. */
        CONFIGURATION_ERROR,
        /** Nothing went out and the cause is passing (Evolution down or overloaded, rate limit). */
        RETRY,
        /**
         * Nothing went out because the instance has lost its WhatsApp connection: the instance waits, the message
         * is neither failed nor counted against the instance.
         */
        DISCONNECTED,
        /** The message may or may not have gone out; sending it again could deliver it twice. */
        UNKNOWN
    }
}
