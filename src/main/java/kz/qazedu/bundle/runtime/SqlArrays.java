package kz.qazedu.bundle.runtime;

import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;
import java.util.function.Function;

/**
 * Array parameters of the statements that write a batch at once ({@code unnest(?::text[], ?::bigint[], ...)}). Bound
 * as a {@code String[]} or {@code Long[]}, the PostgreSQL driver sends the array in PostgreSQL's binary format;
 * {@code Connection.createArrayOf} instead builds a text literal and escapes it character by character, which for the
 * journal's payloads alone took about 4 % of the bundle's CPU under load. Null elements stay null.
 */
public final class SqlArrays {

    private SqlArrays() {
    }

    /** Binds {@code values} as a {@code text[]} (sent as {@code varchar[]}, which a {@code ::text[]} cast takes as is). */
    public static void text(PreparedStatement statement, int index, String[] values) throws SQLException {
        statement.setObject(index, values);
    }

    /** Binds one column of {@code rows} as a {@code text[]}. */
    public static <T> void text(PreparedStatement statement, int index, List<T> rows, Function<T, String> column)
            throws SQLException {
        text(statement, index, rows.stream().map(column).toArray(String[]::new));
    }

    /** Binds {@code values} as a {@code bigint[]}. */
    public static void bigint(PreparedStatement statement, int index, Long[] values) throws SQLException {
        statement.setObject(index, values);
    }
}
