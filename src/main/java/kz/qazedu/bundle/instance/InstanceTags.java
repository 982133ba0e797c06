package kz.qazedu.bundle.instance;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * The {@code instance} tag of a metric. Instance names reach metrics from requests (a send names its instance),
 * so only instances the bundle knows (a webhook came from them: the {@code instance} table), and at most
 * {@code METRICS_MAX_INSTANCES} of them, get a tag of their own; any other name shares {@value #OTHER}. A
 * mistyped or hostile name can thus never grow the number of time series.
 */
@Component("instanceTags")
public class InstanceTags {

    public static final String OTHER = "other";
    private static final long REFRESH_NANOS = 10_000_000_000L;

    private final JdbcTemplate jdbc;
    private final int maxInstances;
    private volatile Set<String> known = Set.of();
    private volatile long loadedAt = System.nanoTime() - REFRESH_NANOS;

    public InstanceTags(JdbcTemplate jdbc, MetricsSettings settings) {
        this.jdbc = jdbc;
        this.maxInstances = settings.maxInstances();
    }

    /** The tag for {@code instance}: its name if known, else {@value #OTHER}. */
    public String of(String instance) {
        if (instance == null) {
            return OTHER;
        }
        Set<String> names = known;
        if (!names.contains(instance) && System.nanoTime() - loadedAt > REFRESH_NANOS) {
            names = refresh();
        }
        return names.contains(instance) ? instance : OTHER;
    }

    private synchronized Set<String> refresh() {
        if (System.nanoTime() - loadedAt > REFRESH_NANOS) {
            List<String> names = jdbc.queryForList("select name from instance order by name limit ?", String.class,
                    maxInstances);
            known = Set.copyOf(new HashSet<>(names));
            loadedAt = System.nanoTime();
        }
        return known;
    }
}
