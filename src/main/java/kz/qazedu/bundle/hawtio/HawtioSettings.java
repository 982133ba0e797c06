package kz.qazedu.bundle.hawtio;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.util.StringUtils;

/**
 * Hawtio, the web console of the bundle's Camel routes and embedded broker ({@code bundle.hawtio.*}; environment
 * variables and defaults in {@code application.properties}). Off by default; when on, it is served on a port of
 * its own and every path asks for {@code user} and {@code password}, which has no default.
 *
 * @param enabled   serve Hawtio (and register the routes' and the embedded broker's JMX MBeans it reads)
 * @param host      the address Hawtio's server binds to
 * @param port      its port (0: any free port)
 * @param user      the login
 * @param password  the password; required when enabled
 * @param publicUrl where a browser reaches Hawtio: the console's link to it
 */
@ConfigurationProperties("bundle.hawtio")
public record HawtioSettings(boolean enabled, String host, int port, String user, String password, String publicUrl) {

    public HawtioSettings {
        if (enabled) {
            List<String> problems = new ArrayList<>();
            if (!StringUtils.hasText(password)) {
                problems.add("HAWTIO_PASSWORD must be set: HAWTIO_ENABLED=true serves Hawtio, which asks every visitor"
                        + " for HAWTIO_USER and HAWTIO_PASSWORD");
            }
            if (!StringUtils.hasText(user)) {
                problems.add("HAWTIO_USER must not be empty");
            }
            if (!StringUtils.hasText(host)) {
                problems.add("HAWTIO_HOST must not be empty");
            }
            if (port < 0 || port > 65535) {
                problems.add("HAWTIO_PORT must be from 0 to 65535");
            }
            if (!isHttpUrl(publicUrl)) {
                problems.add("HAWTIO_PUBLIC_URL must be an http or https URL");
            }
            if (!problems.isEmpty()) {
                throw new IllegalArgumentException("Invalid Hawtio settings: " + String.join("; ", problems));
            }
        }
    }

    private static boolean isHttpUrl(String url) {
        try {
            URI uri = new URI(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (Exception e) {
            return false;
        }
    }

    /** Without the password: settings may be logged (a failed start prints them). */
    @Override
    public String toString() {
        return "HawtioSettings[enabled=" + enabled + ", host=" + host + ", port=" + port + ", user=" + user
                + ", password=" + (StringUtils.hasText(password) ? "[set]" : "[not set]") + ", publicUrl=" + publicUrl + "]";
    }
}
