package kz.qazedu.bundle.hawtio;

import kz.qazedu.bundle.config.CheckedSettings;
import kz.qazedu.bundle.config.SettingProblems;
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
public record HawtioSettings(boolean enabled, String host, int port, String user, String password, String publicUrl)
        implements CheckedSettings {

    @Override
    public void check(SettingProblems problems) {
        if (!enabled) {
            return;
        }
        if (!StringUtils.hasText(password)) {
            problems.add("password", "must be set while Hawtio is on (HAWTIO_ENABLED): it asks every visitor for"
                    + " HAWTIO_USER and HAWTIO_PASSWORD");
        }
        problems.notBlank("user", user);
        problems.notBlank("host", host);
        problems.between("port", port, 0, 65535);
        problems.httpUrl("public-url", publicUrl);
    }

    /** Without the password: settings may be logged (a failed start prints them). */
    @Override
    public String toString() {
        return "HawtioSettings[enabled=" + enabled + ", host=" + host + ", port=" + port + ", user=" + user
                + ", password=" + (StringUtils.hasText(password) ? "[set]" : "[not set]") + ", publicUrl=" + publicUrl + "]";
    }
}
