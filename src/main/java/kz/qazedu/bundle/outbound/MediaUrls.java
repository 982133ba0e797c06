package kz.qazedu.bundle.outbound;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;

/**
 * Whether a media URL of a send request may be handed to Evolution, which downloads it from inside the customer's
 * network. Only {@code http} and {@code https} URLs without credentials, whose host is a name or a dotted IPv4 or
 * IPv6 address that resolves to public addresses only: never loopback, link-local (cloud metadata at
 * {@code 169.254.169.254}), private, shared (CGNAT), multicast, reserved or unspecified addresses, also when
 * written as a number ({@code 2130706433}, {@code 0x7f000001}, {@code 0177.0.0.1}, {@code 127.1}) or wrapped in
 * IPv6 ({@code ::ffff:127.0.0.1}). A media server inside the network is allowed by name or address range in
 * {@code OUTBOUND_MEDIA_ALLOWED_HOSTS}.
 *
 * <p>The check resolves the name when the request is made; a name that resolves differently when Evolution
 * fetches it (DNS rebinding) is beyond what the bundle can see: keep Evolution's own egress limited as well.
 */
@Component("mediaUrls")
public class MediaUrls {

    public static final int MAX_URL_LENGTH = 2048;
    private static final Pattern DOTTED_IPV4 = Pattern.compile("(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)(\\.(25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)){3}");
    private static final Pattern NUMERIC_LABEL = Pattern.compile("(0x[0-9a-f]*|[0-9]+)", Pattern.CASE_INSENSITIVE);
    private static final Pattern HOST_NAME = Pattern.compile(
            "([a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)(\\.[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?)*\\.?",
            Pattern.CASE_INSENSITIVE);

    private final HostResolver resolver;
    private final List<String> allowedHosts;
    private final List<Cidr> allowedRanges;

    @Autowired
    public MediaUrls(HostResolver resolver, OutboundSettings settings) {
        this(resolver, settings.mediaAllowedHosts());
    }

    public MediaUrls(HostResolver resolver, String allowed) {
        this.resolver = resolver;
        List<String> entries = entries(allowed);
        this.allowedRanges = ranges(entries);
        this.allowedHosts = entries.stream().filter(e -> !e.contains("/")).toList();
    }

    /**
     * Checks an allow-list as {@code OUTBOUND_MEDIA_ALLOWED_HOSTS} is written.
     *
     * @throws IllegalArgumentException naming an address range that is not one
     */
    static void checkAllowList(String allowed) {
        ranges(entries(allowed));
    }

    private static List<String> entries(String allowed) {
        return Arrays.stream(allowed.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> s.toLowerCase(Locale.ROOT)).toList();
    }

    private static List<Cidr> ranges(List<String> entries) {
        return entries.stream().filter(e -> e.contains("/")).map(Cidr::parse).toList();
    }

    /** What is wrong with {@code url} as a media URL, or null when Evolution may fetch it. */
    public String problem(String url) {
        if (url.length() > MAX_URL_LENGTH) {
            return "must be at most " + MAX_URL_LENGTH + " characters";
        }
        URI uri;
        try {
            uri = new URI(url);
        } catch (URISyntaxException e) {
            return "must be an absolute http or https URL";
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https") || uri.getRawAuthority() == null) {
            return "must be an absolute http or https URL";
        }
        if (uri.getRawUserInfo() != null) {
            return "must not carry a user name or password";
        }
        String host = uri.getHost();
        if (host == null || host.isEmpty()) {
            return "must name a host";
        }
        host = host.toLowerCase(Locale.ROOT);
        if (isAllowedName(host)) {
            return null;
        }
        InetAddress[] addresses;
        if (host.startsWith("[") && host.endsWith("]")) {
            InetAddress literal = literal(host.substring(1, host.length() - 1));
            if (literal == null) {
                return "must name a valid host";
            }
            addresses = new InetAddress[] {literal};
        } else if (DOTTED_IPV4.matcher(host).matches()) {
            addresses = new InetAddress[] {literal(host)};
        } else {
            String[] labels = host.split("\\.");
            if (NUMERIC_LABEL.matcher(labels[labels.length - 1]).matches()) {
                return "must name its host by name or as a dotted IPv4 address (a.b.c.d), not as a number";
            }
            if (!HOST_NAME.matcher(host).matches()) {
                return "must name a valid host";
            }
            try {
                addresses = resolver.resolve(host);
            } catch (UnknownHostException e) {
                return "host " + host + " does not resolve";
            }
        }
        for (InetAddress address : addresses) {
            if (!isPublic(address) && allowedRanges.stream().noneMatch(range -> range.contains(address))) {
                return "must not point into a private, loopback, link-local or reserved network (host " + host
                        + "); allow a media server in OUTBOUND_MEDIA_ALLOWED_HOSTS";
            }
        }
        return null;
    }

    private boolean isAllowedName(String host) {
        return allowedHosts.stream().anyMatch(allowed -> allowed.startsWith(".")
                ? host.endsWith(allowed) : host.equals(allowed));
    }

    private static InetAddress literal(String text) {
        try {
            // a literal: no name service is asked
            return InetAddress.getByName(text);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    /** Whether the address is reachable on the public internet (and only there). */
    static boolean isPublic(InetAddress address) {
        if (address instanceof Inet6Address v6) {
            byte[] b = v6.getAddress();
            InetAddress embedded = embeddedIpv4(b);
            if (embedded != null) {
                return isPublic(embedded);
            }
            if (v6.isAnyLocalAddress() || v6.isLoopbackAddress() || v6.isLinkLocalAddress() || v6.isSiteLocalAddress()
                    || v6.isMulticastAddress()) {
                return false;
            }
            int first = b[0] & 0xff;
            // fc00::/7 unique local; 2001:db8::/32 documentation; only 2000::/3 is global unicast
            if ((first & 0xfe) == 0xfc || (first == 0x20 && b[1] == 0x01 && (b[2] & 0xff) == 0x0d && (b[3] & 0xff) == 0xb8)) {
                return false;
            }
            return (first & 0xe0) == 0x20;
        }
        byte[] b = address.getAddress();
        int a0 = b[0] & 0xff;
        int a1 = b[1] & 0xff;
        return !(a0 == 0 || a0 == 10 || a0 == 127 || a0 >= 224
                || (a0 == 100 && a1 >= 64 && a1 <= 127)        // shared address space (CGNAT)
                || (a0 == 169 && a1 == 254)                    // link-local, cloud metadata
                || (a0 == 172 && a1 >= 16 && a1 <= 31)
                || (a0 == 192 && a1 == 168)
                || (a0 == 192 && a1 == 0 && (b[2] & 0xff) <= 2) // IETF protocol assignments, documentation
                || (a0 == 198 && (a1 == 18 || a1 == 19))       // benchmarking
                || (a0 == 198 && a1 == 51 && (b[2] & 0xff) == 100)
                || (a0 == 203 && a1 == 0 && (b[2] & 0xff) == 113));
    }

    /** The IPv4 address inside an IPv4-mapped, IPv4-compatible, NAT64 or 6to4 IPv6 address, else null. */
    private static InetAddress embeddedIpv4(byte[] b) {
        boolean zeroPrefix = true;
        for (int i = 0; i < 10; i++) {
            zeroPrefix &= b[i] == 0;
        }
        boolean mapped = zeroPrefix && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
        boolean compatible = zeroPrefix && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0);
        boolean nat64 = (b[0] & 0xff) == 0x00 && (b[1] & 0xff) == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b;
        if (mapped || compatible || nat64) {
            return ipv4(b[12], b[13], b[14], b[15]);
        }
        if ((b[0] & 0xff) == 0x20 && (b[1] & 0xff) == 0x02) {
            return ipv4(b[2], b[3], b[4], b[5]);
        }
        return null;
    }

    private static InetAddress ipv4(byte a, byte b, byte c, byte d) {
        try {
            return Inet4Address.getByAddress(new byte[] {a, b, c, d});
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Resolves a host name to its addresses; the system resolver in production. */
    @FunctionalInterface
    public interface HostResolver {
        InetAddress[] resolve(String host) throws UnknownHostException;
    }

    /** An address range of the allow-list, {@code 10.20.0.0/16} or {@code fd00::/8}. */
    record Cidr(byte[] network, int prefix) {

        static Cidr parse(String text) {
            int slash = text.indexOf('/');
            InetAddress address = literal(text.substring(0, slash));
            int prefix;
            try {
                prefix = Integer.parseInt(text.substring(slash + 1));
            } catch (NumberFormatException e) {
                prefix = -1;
            }
            if (address == null || prefix < 0 || prefix > address.getAddress().length * 8
                    || !(DOTTED_IPV4.matcher(text.substring(0, slash)).matches() || text.contains(":"))) {
                throw new IllegalArgumentException("OUTBOUND_MEDIA_ALLOWED_HOSTS: '" + text
                        + "' is not an address range like 10.20.0.0/16");
            }
            return new Cidr(address.getAddress(), prefix);
        }

        boolean contains(InetAddress address) {
            byte[] candidate = address.getAddress();
            if (candidate.length != network.length) {
                return false;
            }
            for (int bit = 0; bit < prefix; bit++) {
                int mask = 0x80 >> (bit % 8);
                if ((candidate[bit / 8] & mask) != (network[bit / 8] & mask)) {
                    return false;
                }
            }
            return true;
        }
    }
}
