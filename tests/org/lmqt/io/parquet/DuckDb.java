package org.lmqt.io.parquet;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/**
 * DuckDB (in-process, through its JDBC driver) as the independent parquet writer and reader that the tests of
 * {@link ParquetFile} compare against: its C++ parquet code shares nothing with ours.
 */
public final class DuckDb implements AutoCloseable {
    private final Connection connection;

    public DuckDb() throws SQLException {
        connection = DriverManager.getConnection("jdbc:duckdb:");
    }

    /** Writes the rows of {@code select} to {@code file} with the given COPY options (after {@code FORMAT parquet}). */
    public Path write(String select, Path file, String options) throws SQLException {
        execute("COPY (" + select + ") TO '" + file + "' (FORMAT parquet" + (options.isEmpty() ? "" : ", " + options)
                + ")");
        return file;
    }

    /** Column {@code column} of {@code file} as DuckDB reads it, in file order, {@code null} for null rows. */
    List<String> readStrings(Path file, String column) throws SQLException {
        return strings("SELECT \"" + column + "\" FROM read_parquet('" + file + "', file_row_number = true) "
                + "ORDER BY file_row_number");
    }

    /** The value encodings and codecs that {@code file}'s column chunks declare, one entry per chunk. */
    List<String> chunkEncodings(Path file) throws SQLException {
        return strings("SELECT encodings || ' ' || compression FROM parquet_metadata('" + file + "') "
                + "ORDER BY row_group_id, column_id");
    }

    /** The first column of a query's rows as strings. */
    public List<String> strings(String query) throws SQLException {
        List<String> out = new ArrayList<>();
        try (Statement s = connection.createStatement(); ResultSet r = s.executeQuery(query)) {
            while (r.next()) {
                out.add(r.getString(1));
            }
        }
        return out;
    }

    public void execute(String sql) throws SQLException {
        try (Statement s = connection.createStatement()) {
            s.execute(sql);
        }
    }

    @Override
    public void close() throws SQLException {
        connection.close();
    }
}
