package kz.qazedu.bundle.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import kz.qazedu.bundle.support.TestDatabase;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;

/** What the in-process benchmarks share: a database of their own on the test profile's server, and waiting. */
final class BenchSupport {

    private BenchSupport() {
    }

    static String prepareDatabase(String name) throws SQLException {
        if (!name.matches("[a-z_][a-z0-9_]*")) {
            throw new IllegalArgumentException("bench.database must be a plain lower-case identifier: " + name);
        }
        String serverUrl = TestDatabase.url();
        String user = firstNonBlank(System.getProperty("TEST_DB_USER"), System.getenv("TEST_DB_USER"), "postgres");
        String password = firstNonBlank(System.getProperty("TEST_DB_PASSWORD"), System.getenv("TEST_DB_PASSWORD"), "");
        Matcher url = Pattern.compile("(jdbc:postgresql://[^/]+/)([^?]*)(.*)").matcher(serverUrl);
        if (!url.matches()) {
            throw new IllegalArgumentException("cannot derive a database URL from " + serverUrl);
        }
        try (Connection connection = DriverManager.getConnection(serverUrl, user, password);
             PreparedStatement exists = connection.prepareStatement("select 1 from pg_database where datname = ?")) {
            exists.setString(1, name);
            boolean present;
            try (ResultSet rows = exists.executeQuery()) {
                present = rows.next();
            }
            if (name.equals(url.group(2))) {
                throw new IllegalArgumentException("bench.database must not be the test profile's own database " + name);
            }
            try (Statement create = connection.createStatement()) {
                if (present) {
                    create.execute("drop database " + name + " with (force)");
                }
                create.execute("create database " + name);
            }
            System.out.println("[bench] created database " + name + " afresh");
        }
        return url.group(1) + name + url.group(3);
    }

    static void pollUntil(Duration every, Duration atMost, Callable<Boolean> done) {
        try {
            Awaitility.await().pollDelay(Duration.ZERO).pollInterval(every).atMost(atMost).until(done);
        } catch (ConditionTimeoutException timeUp) {
            // the caller reports the state it reached
        }
    }

    static String firstNonBlank(String... values) {
        for (String value : values) {
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        return "";
    }
}
