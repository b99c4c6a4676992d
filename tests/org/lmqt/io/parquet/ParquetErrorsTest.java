package org.lmqt.io.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;

/** Bad input to {@link ParquetFile}: each is one {@link UserException} line that names the file and the problem. */
class ParquetErrorsTest {
    @TempDir
    static Path dir;
    static DuckDb duck;
    /** A good file (uncompressed, so damage inside a page stays inside that page). */
    static Path good;

    @BeforeAll
    static void start() throws SQLException {
        duck = new DuckDb();
        good = duck.write("SELECT i AS id, 'line ' || i AS text FROM range(2000) t(i)", dir.resolve("good.parquet"),
                "COMPRESSION uncompressed");
    }

    @AfterAll
    static void stop() throws SQLException {
        duck.close();
    }

    @Test
    void notParquet() throws IOException {
        Path f = Files.writeString(dir.resolve("text.parquet"), "just some text, long enough to have a tail\n");
        assertEquals(f + ": not a parquet file (it does not start with PAR1)", message(() -> ParquetFile.open(f)));
        Path empty = Files.write(dir.resolve("empty.parquet"), new byte[0]);
        assertEquals(empty + ": not a parquet file (it does not start with PAR1)",
                message(() -> ParquetFile.open(empty)));
    }

    @Test
    void truncatedAtTheEnd() throws IOException {
        byte[] all = Files.readAllBytes(good);
        Path f = Files.write(dir.resolve("cut.parquet"), Arrays.copyOf(all, all.length / 2));
        assertEquals(f + ": truncated parquet file (it does not end with PAR1)", message(() -> ParquetFile.open(f)));
    }

    @Test
    void footerLongerThanTheFile() throws IOException {
        // the head magic and the real file's last 8 bytes (footer length, PAR1): the footer cannot fit
        byte[] all = Files.readAllBytes(good);
        byte[] shortFile = new byte[12];
        System.arraycopy(all, 0, shortFile, 0, 4);
        System.arraycopy(all, all.length - 8, shortFile, 4, 8);
        Path f = Files.write(dir.resolve("footer.parquet"), shortFile);
        String m = message(() -> ParquetFile.open(f));
        assertTrue(m.startsWith(f + ": truncated parquet file (the footer claims "), m);
    }

    @Test
    void missingColumnNamesTheColumns() {
        assertEquals(good + ": no column 'txt' (columns: id, text)",
                message(() -> ParquetFile.open(good).readStrings("txt")));
    }

    @Test
    void numberColumnIsNotAString() {
        assertEquals(good + ": column id (optional INT64 INT_64) is not a string column",
                message(() -> ParquetFile.open(good).readStrings("id")));
    }

    @Test
    void nestedAndRepeatedColumnsAreRefused() throws SQLException {
        Path f = duck.write("SELECT {'a': 'x'} AS s, ['x', 'y'] AS l", dir.resolve("nested.parquet"), "");
        assertEquals(f + ": column s (optional group) is nested or repeated; only flat columns can be read",
                message(() -> ParquetFile.open(f).readStrings("s")));
        assertEquals(f + ": column l (optional group LIST) is nested or repeated; only flat columns can be read",
                message(() -> ParquetFile.open(f).readStrings("l")));
    }

    @Test
    void unsupportedCodecIsNamed() throws SQLException {
        Path f = duck.write("SELECT 'x' AS text", dir.resolve("brotli.parquet"), "COMPRESSION brotli");
        String m = message(() -> ParquetFile.open(f).readStrings("text"));
        assertTrue(m.startsWith(f + ": column 'text', row group 0: unsupported compression codec BROTLI"), m);
    }

    @Test
    void damagedPageIsReported() throws IOException {
        // overwrite the start of the text column's chunk (its page header) with 0xff bytes
        byte[] all = Files.readAllBytes(good);
        long start = Long.parseLong(uncheckedFirst("SELECT data_page_offset FROM parquet_metadata('" + good
                + "') WHERE path_in_schema = 'text'"));
        Arrays.fill(all, (int) start, (int) start + 16, (byte) 0xff);
        Path f = Files.write(dir.resolve("damaged.parquet"), all);
        String m = message(() -> ParquetFile.open(f).readStrings("text"));
        assertTrue(m.startsWith(f + ": column 'text', row group 0: "), m);
    }

    private static String uncheckedFirst(String query) {
        try {
            return duck.strings(query).get(0);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The message of the UserException that {@code call} throws, checked to be a single line. */
    private static String message(Executable call) {
        String m = assertThrows(UserException.class, call).getMessage();
        assertFalse(m.contains("\n"), m);
        return m;
    }
}
