package org.lmqt.io.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@link ParquetFile} against files that DuckDB writes, compared with what DuckDB reads back. */
class ParquetFileTest {
    /**
     * Text rows like a dataset's: nulls, empty strings, non-ASCII UTF-8 (accents, CJK, emoji), multi-line strings and
     * long strings, mostly distinct (so DuckDB stores them PLAIN or DELTA_LENGTH_BYTE_ARRAY, not in a dictionary).
     */
    static final String MIXED_TEXT = """
            SELECT CASE
                WHEN i % 11 = 0 THEN NULL
                WHEN i % 13 = 0 THEN ''
                WHEN i % 17 = 0 THEN ' = Überschrift ' || i || ' = \n'
                WHEN i % 5 = 0 THEN 'línea ' || i || E'\n二行目 ✓ 🙂\n\nthird'
                ELSE 'row ' || i || ' ' || repeat(chr(CAST(97 + i % 26 AS INTEGER)), CAST(i % 300 AS INTEGER))
            END AS text
            FROM range(ROWS) t(i)""";

    @TempDir
    static Path dir;
    static DuckDb duck;

    @BeforeAll
    static void start() throws SQLException {
        duck = new DuckDb();
    }

    @AfterAll
    static void stop() throws SQLException {
        duck.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"uncompressed, v1", "snappy, v1", "gzip, v1", "zstd, v1", "lz4_raw, v1",
                "uncompressed, v2", "snappy, v2", "gzip, v2", "zstd, v2", "lz4_raw, v2"})
    void mixedTextInSeveralRowGroupsReadsLikeDuckDb(String codec, String version) throws SQLException {
        Path f = duck.write(MIXED_TEXT.replace("ROWS", "25000"), dir.resolve("mixed-" + codec + "-" + version + ".parquet"),
                "COMPRESSION " + codec + ", PARQUET_VERSION " + version + ", ROW_GROUP_SIZE 6000");
        ParquetFile p = ParquetFile.open(f);
        List<String> expected = duck.readStrings(f, "text");
        assertEquals(25_000, expected.size());
        assertTrue(expected.contains(null) && expected.contains("") && expected.stream()
                .anyMatch(s -> s != null && s.contains("🙂\n")), "the data covers nulls, empties and UTF-8");
        assertTrue(p.rowGroupCount() > 1, "several row groups");
        assertEquals(25_000, p.rowCount());
        assertEquals(expected, p.readStrings("text"));
        assertTrue(duck.chunkEncodings(f).stream().allMatch(e -> e.endsWith(codec.toUpperCase())));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"v1, PLAIN_DICTIONARY", "v2, RLE_DICTIONARY"})
    void fewDistinctValuesAreDictionaryEncoded(String version, String encoding) throws SQLException {
        Path f = duck.write("SELECT CASE WHEN i % 7 = 3 THEN NULL ELSE 'wort ' || (i % 23) || ' ä' END AS text "
                + "FROM range(40000) t(i)", dir.resolve("dict-" + version + ".parquet"),
                "PARQUET_VERSION " + version + ", ROW_GROUP_SIZE 15000");
        List<String> chunks = duck.chunkEncodings(f);
        assertTrue(chunks.stream().allMatch(e -> e.startsWith(encoding)), chunks::toString);
        assertEquals(duck.readStrings(f, "text"), ParquetFile.open(f).readStrings("text"));
    }

    @Test
    void manyPagesPerChunk() throws SQLException {
        // ~20 MB of text in one row group: DuckDB splits a chunk into pages of at most a few MB
        Path f = duck.write("SELECT i || repeat('x', 200 + i % 97) AS text FROM range(100000) t(i)",
                dir.resolve("pages.parquet"), "ROW_GROUP_SIZE 200000");
        ParquetFile p = ParquetFile.open(f);
        assertEquals(1, p.rowGroupCount());
        assertEquals(duck.readStrings(f, "text"), p.readStrings("text"));
    }

    @Test
    void picksTheNamedColumnAmongOthers() throws SQLException {
        Path f = duck.write("SELECT i AS id, 'a' || i AS first, CASE WHEN i % 2 = 0 THEN 'b' || i END AS second "
                + "FROM range(1000) t(i)", dir.resolve("three.parquet"), "");
        ParquetFile p = ParquetFile.open(f);
        assertEquals(List.of("id", "first", "second"), p.columns().stream().map(Column::name).toList());
        assertFalse(p.columns().get(0).isString());
        assertTrue(p.columns().get(2).isString());
        assertEquals(duck.readStrings(f, "second"), p.readStrings("second"));
        assertEquals(duck.readStrings(f, "first"), p.readStrings("first"));
    }

    @Test
    void emptyFileHasNoRows() throws SQLException {
        Path f = duck.write("SELECT 'x' AS text WHERE false", dir.resolve("empty.parquet"), "");
        assertEquals(List.of(), ParquetFile.open(f).readStrings("text"));
    }
}
