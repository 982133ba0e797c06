package kz.qazedu.bundle.hawtio;

import java.util.LinkedHashMap;
import java.util.Map;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.context.AnnotationConfigServletWebServerApplicationContext;
import org.springframework.context.SmartLifecycle;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.web.context.support.StandardServletEnvironment;

/**
 * Hawtio on a port of its own: a servlet application context of its own ({@link HawtioWebApplication}) on an
 * embedded Tomcat, beside the bundle's context and not inside it. The bundle's one HTTP server (Vert.x, see
 * {@code edge.BundleHttpServer}) stays as it is: Spring Security, Spring MVC and Hawtio's filters exist in this
 * context only, and this context sees nothing of the bundle but the JVM's MBean server (the routes' and the embedded
 * broker's MBeans) and {@link HawtioSettings}. Its environment holds its own settings alone, so none of the bundle's
 * variables ({@code SERVER_PORT}, ...) can reach Tomcat. Started after everything else, stopped first.
 */
public final class HawtioServer implements SmartLifecycle {

    private static final Logger LOG = LoggerFactory.getLogger(HawtioServer.class);
    /** Hawtio at /hawtio and Jolokia at /jolokia (instead of below /actuator). */
    static final String HAWTIO_PATH = "/hawtio";

    private final HawtioSettings settings;
    private volatile AnnotationConfigServletWebServerApplicationContext context;

    public HawtioServer(HawtioSettings settings) {
        this.settings = settings;
    }

    @Override
    public void start() {
        AnnotationConfigServletWebServerApplicationContext web = new AnnotationConfigServletWebServerApplicationContext();
        web.setServerNamespace("hawtio");
        web.setEnvironment(environment());
        web.registerBean(HawtioSettings.class, () -> settings);
        web.register(HawtioWebApplication.class);
        try {
            web.refresh();
        } catch (RuntimeException e) {
            web.close();
            throw new IllegalStateException("Hawtio cannot start on " + settings.host() + ":" + settings.port() + ": "
                    + e.getMessage(), e);
        }
        context = web;
        LOG.info("Hawtio listening on {}:{}{}/ (HAWTIO_PUBLIC_URL {})", settings.host(), port(), HAWTIO_PATH,
                settings.publicUrl());
    }

    @Override
    public void stop() {
        AnnotationConfigServletWebServerApplicationContext web = context;
        context = null;
        if (web != null) {
            web.close();
        }
    }

    @Override
    public boolean isRunning() {
        return context != null;
    }

    /** The port Hawtio listens on (the actual one when configured as 0). */
    public int port() {
        AnnotationConfigServletWebServerApplicationContext web = context;
        return web == null ? settings.port() : web.getWebServer().getPort();
    }

    /** Hawtio's own settings only: the bundle's environment variables and system properties stay out. */
    private StandardServletEnvironment environment() {
        Map<String, Object> properties = new LinkedHashMap<>();
        properties.put("server.port", settings.port());
        properties.put("server.address", settings.host());
        properties.put("management.endpoints.web.base-path", "");
        properties.put("management.endpoints.web.exposure.include", "hawtio,jolokia");
        properties.put("management.endpoints.web.discovery.enabled", false);
        properties.put("management.endpoint.jolokia.config.allowErrorDetails", false);
        properties.put("management.endpoint.jolokia.config.includeStackTrace", false);
        // Spring Security asks for the login on every path (HawtioWebApplication); Hawtio 4.2 has no login module of
        // Spring Security's to hand it to, so its own authentication stays off
        properties.put("hawtio.authenticationEnabled", false);
        properties.put("hawtio.disableProxy", true);
        StandardServletEnvironment environment = new StandardServletEnvironment();
        MutablePropertySources sources = environment.getPropertySources();
        sources.remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        sources.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        sources.addFirst(new MapPropertySource("hawtio", properties));
        return environment;
    }
}
