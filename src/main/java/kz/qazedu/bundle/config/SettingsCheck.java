package kz.qazedu.bundle.config;

import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.AbstractBindHandler;
import org.springframework.boot.context.properties.bind.BindContext;
import org.springframework.boot.context.properties.bind.BindResult;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.ConfigurationPropertyName;
import org.springframework.boot.convert.DurationUnit;
import org.springframework.context.EnvironmentAware;
import org.springframework.core.PriorityOrdered;
import org.springframework.core.ResolvableType;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.Environment;
import org.springframework.core.env.PropertySource;
import org.springframework.stereotype.Component;
import org.springframework.util.ClassUtils;

/**
 * Checks every {@link CheckedSettings} record of the context before any other bean is made: binds it the way
 * Spring will (collecting every value that does not convert instead of stopping at the first), runs its
 * {@link CheckedSettings#check}, and fails startup with one {@link InvalidSettingsException} that names each bad
 * setting by its environment variable and property key, with its value and what is expected:
 * <pre>CRM_BATCH_SIZE (bundle.crm.batch-size) = -1: must be at least 1</pre>
 * The variable is read from the key's definition in {@code application.properties}
 * ({@code bundle.crm.batch-size=${CRM_BATCH_SIZE:500}}), so the mapping is written down once.
 */
@Component
public class SettingsCheck implements BeanFactoryPostProcessor, EnvironmentAware, PriorityOrdered {

    private static final Pattern VARIABLE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?::.*)?}", Pattern.DOTALL);
    private static final Pattern SECRET = Pattern.compile("token|secret|password|api-key");

    private ConfigurableEnvironment environment;

    @Override
    public void setEnvironment(Environment environment) {
        this.environment = (ConfigurableEnvironment) environment;
    }

    @Override
    public int getOrder() {
        return HIGHEST_PRECEDENCE;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        Set<Class<?>> types = new LinkedHashSet<>();
        for (String name : beanFactory.getBeanDefinitionNames()) {
            BeanDefinition definition = beanFactory.getBeanDefinition(name);
            String className = definition.getBeanClassName();
            if (className != null && ClassUtils.isPresent(className, beanFactory.getBeanClassLoader())) {
                Class<?> type = ClassUtils.resolveClassName(className, beanFactory.getBeanClassLoader());
                if (CheckedSettings.class.isAssignableFrom(type)) {
                    types.add(type);
                }
            }
        }
        List<String> problems = problems(environment, types);
        if (!problems.isEmpty()) {
            throw new InvalidSettingsException(problems);
        }
    }

    /** Every bad setting of {@code types} in {@code environment}, one line each; empty when all is well. */
    public static List<String> problems(ConfigurableEnvironment environment, Collection<Class<?>> types) {
        Binder binder = Binder.get(environment);
        List<String> lines = new ArrayList<>();
        for (Class<?> type : types) {
            String prefix = prefix(type);
            Failures failures = new Failures();
            BindResult<?> bound = binder.bind(prefix, Bindable.of(type), failures);
            List<SettingProblems.Problem> problems = new ArrayList<>(failures.problems);
            if (bound.isBound() && bound.get() instanceof CheckedSettings settings) {
                SettingProblems checked = new SettingProblems(prefix);
                settings.check(checked);
                // a value that did not convert arrives as null or zero: its conversion problem says it already
                checked.found().stream().filter(p -> !failures.keys.contains(p.key())).forEach(problems::add);
            }
            problems.forEach(p -> lines.add(line(environment, p)));
        }
        return lines;
    }

    private static String prefix(Class<?> type) {
        ConfigurationProperties properties = AnnotatedElementUtils.findMergedAnnotation(type, ConfigurationProperties.class);
        if (properties == null) {
            throw new IllegalStateException(type.getName() + " is CheckedSettings without @ConfigurationProperties");
        }
        return properties.prefix();
    }

    private static String line(ConfigurableEnvironment environment, SettingProblems.Problem problem) {
        String key = problem.key();
        return variable(environment, key) + " (" + key + ") = " + shown(environment, key) + ": " + problem.expected();
    }

    /**
     * The environment variable behind {@code key}: the one its definition reads ({@code ${CRM_BATCH_SIZE:500}}), in
     * the first property source that defines it that way; else the name Spring itself maps to the key.
     */
    static String variable(ConfigurableEnvironment environment, String key) {
        for (PropertySource<?> source : environment.getPropertySources()) {
            Object raw = source.getProperty(key);
            if (raw != null) {
                Matcher matcher = VARIABLE.matcher(raw.toString().trim());
                if (matcher.matches()) {
                    return matcher.group(1);
                }
            }
        }
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    /** The value of {@code key} as a problem shows it: never a secret's. */
    static String shown(ConfigurableEnvironment environment, String key) {
        String value;
        try {
            value = environment.getProperty(key);
        } catch (IllegalArgumentException e) {
            return "(unresolvable: " + e.getMessage() + ")";
        }
        if (value == null) {
            return "(not set)";
        }
        if (value.isEmpty()) {
            return "(empty)";
        }
        return SECRET.matcher(key).find() ? "(hidden)" : value;
    }

    /** Collects the values that do not convert, and binds the rest. */
    private static final class Failures extends AbstractBindHandler {

        private final List<SettingProblems.Problem> problems = new ArrayList<>();
        private final Set<String> keys = new LinkedHashSet<>();

        @Override
        public Object onFailure(ConfigurationPropertyName name, Bindable<?> target, BindContext context,
                                Exception error) {
            String key = name.toString();
            if (keys.add(key)) {
                problems.add(new SettingProblems.Problem(key, expected(target)));
            }
            return null;
        }
    }

    /** What a value of {@code target}'s type looks like. */
    static String expected(Bindable<?> target) {
        ResolvableType type = target.getType();
        Class<?> raw = type.resolve(Object.class);
        if (Collection.class.isAssignableFrom(raw)) {
            ResolvableType element = type.asCollection().getGeneric(0);
            if (element.resolve(Object.class) == java.time.Duration.class) {
                return "must be durations separated by commas, such as 5s,5m,30m (units ms, s, m, h, d, or ISO PT5S;"
                        + " a bare number is " + unit(target) + ")";
            }
            return "must be values separated by commas";
        }
        if (raw == java.time.Duration.class) {
            return "must be a duration such as 250ms, 5s, 2m, 1h or PT5S (a bare number is " + unit(target) + ")";
        }
        if (raw == int.class || raw == Integer.class || raw == long.class || raw == Long.class) {
            return "must be a whole number";
        }
        if (raw == double.class || raw == Double.class) {
            return "must be a number";
        }
        if (raw == boolean.class || raw == Boolean.class) {
            return "must be true or false";
        }
        return "must be a valid " + raw.getSimpleName();
    }

    private static String unit(Bindable<?> target) {
        DurationUnit unit = target.getAnnotation(DurationUnit.class);
        ChronoUnit chrono = unit == null ? ChronoUnit.MILLIS : unit.value();
        return chrono == ChronoUnit.MILLIS ? "milliseconds" : chrono.toString().toLowerCase(Locale.ROOT);
    }
}
