package kz.qazedu.bundle.crm;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.Optional;
import java.util.function.Supplier;

import javax.sql.DataSource;

import com.zaxxer.hikari.HikariDataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * One replica forwards to the CRM at a time: its turn is a PostgreSQL session advisory lock ({@code CRM_LOCK_KEY})
 * held on a connection of its own while its rounds run, so the deliveries a round claims need no lease and another
 * replica can never post a chat's later events while this one still posts its earlier ones. A replica that stops,
 * or loses its connection, ends its turn with its session; the rounds it leaves unfinished are counted against their
 * deliveries when the next turn starts ({@link CrmDeliveries#countUnfinishedRounds}).
 */
@Component("crmForwardingTurn")
public class CrmForwardingTurn {

    private static final Logger LOG = LoggerFactory.getLogger(CrmForwardingTurn.class);

    private final DataSource dataSource;
    private final CrmDeliveries deliveries;
    private final long lockKey;

    public CrmForwardingTurn(DataSource dataSource, CrmDeliveries deliveries,
                             CrmSettings settings) {
        this.dataSource = dataSource;
        this.deliveries = deliveries;
        this.lockKey = settings.lockKey();
    }

    /**
     * Runs {@code rounds} as this replica's turn.
     *
     * @return what the rounds returned, or empty when another replica has the turn
     */
    public <T> Optional<T> take(Supplier<T> rounds) {
        Connection connection = connect();
        try {
            if (!lock(connection, "select pg_try_advisory_lock(?)")) {
                return Optional.empty();
            }
            try {
                int counted = deliveries.countUnfinishedRounds();
                if (counted > 0) {
                    LOG.warn("{} CRM deliveries of rounds left unfinished (a stop, or a failure to record their outcomes)"
                            + " count one attempt each", counted);
                }
                return Optional.ofNullable(rounds.get());
            } finally {
                unlock(connection);
            }
        } finally {
            close(connection);
        }
    }

    /** A connection of the turn's own, never one of a transaction the caller may be in. */
    private Connection connect() {
        try {
            Connection connection = dataSource.getConnection();
            connection.setAutoCommit(true);
            return connection;
        } catch (SQLException e) {
            throw new IllegalStateException("CRM forwarding turn: " + e.getMessage(), e);
        }
    }

    private static void close(Connection connection) {
        try {
            connection.close();
        } catch (SQLException e) {
            LOG.debug("Closing the CRM forwarding turn's connection failed", e);
        }
    }

    private void unlock(Connection connection) {
        try {
            lock(connection, "select pg_advisory_unlock(?)");
        } catch (RuntimeException failed) {
            // a pooled connection must not go back to the pool holding the turn: its session ends with it
            LOG.warn("Could not end the CRM forwarding turn cleanly; closing its connection", failed);
            evict(connection);
        }
    }

    private void evict(Connection connection) {
        try {
            if (dataSource.isWrapperFor(HikariDataSource.class)) {
                dataSource.unwrap(HikariDataSource.class).evictConnection(connection);
            } else {
                connection.abort(Runnable::run);
            }
        } catch (SQLException e) {
            LOG.warn("Could not close the CRM forwarding turn's connection", e);
        }
    }

    private boolean lock(Connection connection, String sql) {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setLong(1, lockKey);
            try (ResultSet row = statement.executeQuery()) {
                return row.next() && row.getBoolean(1);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("CRM forwarding turn: " + e.getMessage(), e);
        }
    }
}
