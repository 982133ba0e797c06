package kz.qazedu.bundle.outbound;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Map;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

/** Media URLs Evolution may fetch, and every way of pointing it into the customer's own network. */
class MediaUrlsTest {

    /** A name service of fixed answers: public CDNs, and names that lead inside. */
    private static final Map<String, String> DNS = Map.of(
            "files.example.com", "93.184.215.14",
            "cdn.example.org", "2606:2800:21f:cb07:6820:80da:af6b:8b2c",
            "localhost", "127.0.0.1",
            "internal.example.com", "10.1.2.3",
            "rebind.example.com", "169.254.169.254",
            "files.clinic.local", "10.20.1.5",
            "nas.clinic.local", "192.168.1.20");

    private final MediaUrls urls = new MediaUrls(MediaUrlsTest::resolve, "");

    private static InetAddress[] resolve(String host) throws UnknownHostException {
        String address = DNS.get(host);
        if (address == null) {
            throw new UnknownHostException(host);
        }
        return new InetAddress[] {InetAddress.getByName(address)};
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "https://files.example.com/price.pdf",
            "http://files.example.com:8080/a.jpg?size=large#top",
            "https://cdn.example.org/video.mp4",
            "https://93.184.215.14/a.png",
            "https://[2606:2800:21f:cb07:6820:80da:af6b:8b2c]/a.png"})
    void acceptsPublicHttpUrls(String url) {
        assertThat(urls.problem(url)).isNull();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "http://127.0.0.1/admin", "http://localhost:8080/actuator/prometheus", "http://10.1.2.3/",
            "http://172.16.0.1/", "http://172.31.255.255/", "http://192.168.0.10/", "http://169.254.169.254/latest/meta-data/",
            "http://100.64.0.1/", "http://0.0.0.0/", "http://224.0.0.1/", "http://255.255.255.255/",
            "http://[::1]/", "http://[::]/", "http://[fe80::1]/", "http://[fd00::1]/", "http://[::ffff:127.0.0.1]/",
            "http://[::ffff:a9fe:a9fe]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:7f00:1::]/",
            "http://internal.example.com/x", "http://rebind.example.com/x", "http://198.18.0.1/", "http://192.0.2.1/"})
    void refusesAddressesInsideAnyNetwork(String url) {
        assertThat(urls.problem(url)).contains("private, loopback, link-local or reserved");
    }

    @ParameterizedTest
    @ValueSource(strings = {"http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://127.1/",
            "http://0x7f.0.0.1/", "http://017700000001/", "http://127.0.0.01/", "http://1.2.3.4.5/"})
    void refusesNumericHostFormsOtherThanDottedIpv4(String url) {
        // each of them is 127.0.0.1 or an address to a WHATWG URL parser, as in Evolution's Node.js
        assertThat(urls.problem(url)).isNotNull().doesNotContain("resolve");
    }

    @ParameterizedTest
    @ValueSource(strings = {"ftp://files.example.com/a.pdf", "file:///etc/passwd", "gopher://files.example.com/",
            "javascript:alert(1)", "//files.example.com/a.pdf", "files.example.com/a.pdf", "https:///a.pdf",
            "http://[not-an-address]/", "http://exa mple.com/"})
    void refusesWhatIsNoHttpUrl(String url) {
        assertThat(urls.problem(url)).isNotNull();
    }

    @Test
    void refusesCredentialsUnresolvableNamesAndOverlongUrls() {
        assertThat(urls.problem("https://user:secret@files.example.com/a.pdf")).contains("user name or password");
        assertThat(urls.problem("https://nowhere.example.net/a.pdf")).contains("does not resolve");
        assertThat(urls.problem("https://files.example.com/" + "a".repeat(2100))).contains("at most 2048");
    }

    @Test
    void aMediaServerInsideTheNetworkIsAllowedByNameOrRange() {
        MediaUrls allowing = new MediaUrls(MediaUrlsTest::resolve, "files.clinic.local, 192.168.1.0/24");
        assertThat(allowing.problem("http://files.clinic.local/scan.pdf")).isNull();
        assertThat(allowing.problem("http://nas.clinic.local/scan.pdf")).isNull();
        assertThat(allowing.problem("http://192.168.1.77/scan.pdf")).isNull();
        assertThat(allowing.problem("http://192.168.2.1/scan.pdf")).isNotNull();
        assertThat(allowing.problem("http://127.0.0.1/")).isNotNull();

        MediaUrls suffix = new MediaUrls(MediaUrlsTest::resolve, ".clinic.local");
        assertThat(suffix.problem("http://nas.clinic.local/scan.pdf")).isNull();
        assertThat(suffix.problem("http://internal.example.com/")).isNotNull();
    }

    @Test
    void aBadAllowListStopsTheStart() {
        assertThatThrownBy(() -> new MediaUrls(MediaUrlsTest::resolve, "10.0.0.0/99"))
                .hasMessageContaining("OUTBOUND_MEDIA_ALLOWED_HOSTS");
        assertThatThrownBy(() -> new MediaUrls(MediaUrlsTest::resolve, "clinic/16"))
                .hasMessageContaining("OUTBOUND_MEDIA_ALLOWED_HOSTS");
    }
}
