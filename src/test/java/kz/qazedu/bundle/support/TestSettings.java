package kz.qazedu.bundle.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.env.PropertiesPropertySourceLoader;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.io.ClassPathResource;

/**
 * Settings records as the application binds them: {@code application.properties} with its defaults, not the
 * machine's environment, plus the given {@code key=value} overrides (a property key or an environment variable).
 */
public final class TestSettings {

    private TestSettings() {
    }

    /** {@code type} bound from the defaults and {@code overrides}. */
    public static <T> T bind(Class<T> type, String... overrides) {
        ConfigurationProperties properties = AnnotatedElementUtils.findMergedAnnotation(type, ConfigurationProperties.class);
        return Binder.get(environment(overrides)).bind(properties.prefix(), type)
                .orElseThrow(() -> new IllegalStateException("nothing bound to " + type.getName()));
    }

    /** An environment of {@code application.properties} and {@code overrides} only. */
    public static ConfigurableEnvironment environment(String... overrides) {
        StandardEnvironment environment = new StandardEnvironment();
        MutablePropertySources sources = environment.getPropertySources();
        sources.remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
        sources.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
        Map<String, Object> values = new LinkedHashMap<>();
        for (String override : overrides) {
            int equals = override.indexOf('=');
            values.put(override.substring(0, equals), override.substring(equals + 1));
        }
        sources.addFirst(new MapPropertySource("overrides", values));
        try {
            new PropertiesPropertySourceLoader().load("application.properties",
                    new ClassPathResource("application.properties")).forEach(sources::addLast);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return environment;
    }
}
