package kz.qazedu.bundle.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

class RecipientsTest {

    private static final Recipient KZ_PHONE =
            new Recipient("77001234567", "77001234567@s.whatsapp.net", Recipient.Kind.PHONE);

    private final Recipients recipients = new Recipients("7", "8");

    @ParameterizedTest
    @ValueSource(strings = {
            "+7 700 123 45 67",
            "+7 (700) 123-45-67",
            "+7.700.123.45.67",
            "8 700 123 45 67",
            "8 (700) 123-45-67",
            "87001234567",
            "7001234567",
            "700 123 45 67",
            "77001234567",
            "+77001234567",
            "0077001234567",
            "00 7 700 123 45 67",
            "  77001234567\t",
            "77001234567@s.whatsapp.net",
            "77001234567@c.us",
            "77001234567@S.WhatsApp.Net",
            " 77001234567@c.us "})
    void readsEveryWayAKazakhNumberIsWritten(String to) {
        assertThat(recipients.parse(to)).isEqualTo(KZ_PHONE);
    }

    @Test
    void aLeadingPlusMeansInternationalSoNoNationalRulesApply() {
        assertThat(recipients.parse("+8 700 123 45 67").number()).isEqualTo("87001234567");
        assertThat(recipients.parse("+700 123 45 67").number()).isEqualTo("7001234567");
        assertThat(recipients.parse("+998 90 123 45 67").number()).isEqualTo("998901234567");
    }

    @Test
    void otherLengthsAreTakenAsInternationalAlready() {
        assertThat(recipients.parse("998 90 123 45 67"))
                .isEqualTo(new Recipient("998901234567", "998901234567@s.whatsapp.net", Recipient.Kind.PHONE));
        assertThat(recipients.parse("4915123456789").number()).isEqualTo("4915123456789");
    }

    @Test
    void aLidIsSentByItsJid() {
        assertThat(recipients.parse("123456789012345@lid"))
                .isEqualTo(new Recipient("123456789012345@lid", "123456789012345@lid", Recipient.Kind.LID));
        assertThat(recipients.parse(" 123456789012345@LID "))
                .isEqualTo(new Recipient("123456789012345@lid", "123456789012345@lid", Recipient.Kind.LID));
    }

    @Test
    void aGroupIsSentByItsJid() {
        assertThat(recipients.parse("120363025246125486@g.us")).isEqualTo(
                new Recipient("120363025246125486@g.us", "120363025246125486@g.us", Recipient.Kind.GROUP));
        assertThat(recipients.parse("77001234567-1600000000@G.US").jid()).isEqualTo("77001234567-1600000000@g.us");
    }

    @Test
    void nationalFormsGetTheConfiguredCountryCode() {
        Recipients northAmerica = new Recipients("1", "1");

        assertThat(northAmerica.parse("(202) 555-0123"))
                .isEqualTo(new Recipient("12025550123", "12025550123@s.whatsapp.net", Recipient.Kind.PHONE));
        assertThat(northAmerica.parse("1 202 555 0123").number()).isEqualTo("12025550123");
        assertThat(new Recipients("998", "8").parse("7001234567").number()).isEqualTo("9987001234567");
    }

    @Test
    void withoutATrunkPrefixElevenDigitsStayAsTheyAre() {
        assertThat(new Recipients("7", "").parse("87001234567").number()).isEqualTo("87001234567");
    }

    @ParameterizedTest
    @NullAndEmptySource
    @ValueSource(strings = {"   ", "\t"})
    void aRecipientIsRequired(String to) {
        assertThatThrownBy(() -> recipients.parse(to))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("'to' is required");
    }

    @ParameterizedTest
    @ValueSource(strings = {"seven hundred", "+7 700 CALL-NOW", "7700123456x", "+", "++77001234567", "7700+1234567",
            "77001234567,77007654321"})
    void lettersAndStrayCharactersAreNotAPhoneNumber(String to) {
        assertThatThrownBy(() -> recipients.parse(to))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("'to' '" + to.trim() + "' is not a phone number");
    }

    @ParameterizedTest
    @ValueSource(strings = {"1234567", "+7 123", "0012345", "1234567890123456", "+7 700 123 45 67 890 12"})
    void aPhoneNeedsEightToFifteenDigits(String to) {
        assertThatThrownBy(() -> recipients.parse(to))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("a phone number with its country code has 8 to 15");
    }

    @Test
    void theReasonSaysHowManyDigitsThereWere() {
        assertThatThrownBy(() -> recipients.parse("123-45-67"))
                .hasMessage("'to' '123-45-67' has 7 digits; a phone number with its country code has 8 to 15");
    }

    @ParameterizedTest
    @ValueSource(strings = {"77001234567@example.com", "77001234567@whatsapp.net", "77001234567@", "user@gmail.com"})
    void anUnknownDomainIsNotAWhatsAppAddress(String to) {
        assertThatThrownBy(() -> recipients.parse(to))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("unknown WhatsApp domain")
                .hasMessageContaining("@s.whatsapp.net, @c.us, @lid or @g.us");
    }

    @ParameterizedTest
    @ValueSource(strings = {"@s.whatsapp.net", "+77001234567@s.whatsapp.net", "7 700 123 45 67@s.whatsapp.net",
            "77001234567:12@s.whatsapp.net", "john@c.us"})
    void aPhoneJidMustBeDigits(String to) {
        assertThatThrownBy(() -> recipients.parse(to))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("is not a phone JID");
    }

    @Test
    void aPhoneJidNeedsEightToFifteenDigitsToo() {
        assertThatThrownBy(() -> recipients.parse("1234@s.whatsapp.net"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("has 4 digits");
    }

    @ParameterizedTest
    @ValueSource(strings = {"@lid", "@g.us", "1203 6302@g.us", "a@b@lid"})
    void aLidOrGroupJidNeedsAnId(String to) {
        assertThatThrownBy(() -> recipients.parse(to))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("has no valid id before");
    }

    @Test
    void longInputIsCutInTheReason() {
        String garbage = "x".repeat(1000);

        assertThatThrownBy(() -> recipients.parse(garbage))
                .isInstanceOf(IllegalArgumentException.class)
                .satisfies(e -> assertThat(e.getMessage()).hasSizeLessThan(200));
    }

    @Test
    void theConfigurationMustBeDigits() {
        assertThatThrownBy(() -> new Recipients("+7", "8")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("default-country-code");
        assertThatThrownBy(() -> new Recipients("7", "0x")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("trunk-prefix");
    }
}
