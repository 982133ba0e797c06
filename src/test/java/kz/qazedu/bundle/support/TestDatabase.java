package kz.qazedu.bundle.support;

/**
 * The tests' PostgreSQL: {@code TEST_DB_URL} (system property or environment variable; default the machine's
 * {@code jdbc:postgresql://127.0.0.1:5432/test}), as {@code application-test.properties} reads it. Tests that need a
 * schema of their own take its URL from here, so that a whole suite can be pointed at another database.
 */
public final class TestDatabase {

    private static final String DEFAULT_URL = "jdbc:postgresql://127.0.0.1:5432/test";

    private TestDatabase() {
    }

    public static String url() {
        String configured = System.getProperty("TEST_DB_URL", System.getenv("TEST_DB_URL"));
        return configured == null || configured.isBlank() ? DEFAULT_URL : configured;
    }

    /** The tests' database with {@code schema} as the current schema. */
    public static String url(String schema) {
        String url = url();
        return url + (url.contains("?") ? "&" : "?") + "currentSchema=" + schema;
    }
}
