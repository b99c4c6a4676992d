package org.lmqt.io.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@link ParquetFile} on files that parquet-java writes: many small pages, v1 and v2 data pages, and column chunks
 * that start dictionary-encoded and fall back to plain (v1) or DELTA_BYTE_ARRAY (v2) when the dictionary fills up.
 */
class ParquetFallbackTest {
    @TempDir
    Path dir;

    /** WikiText-like rows: repeated headings and blank rows (dictionary-friendly) among many distinct lines. */
    static List<String> rows(int n) {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            rows.add(switch (i % 9) {
                case 0 -> "";
                case 1 -> " = = Heading " + (i % 4) + " = = \n";
                case 2 -> i % 2 == 0 ? null : " Ça va , 東京 @-@ " + i + " \n";
                default -> " The " + i + " th line , with " + "words ".repeat(i % 40) + "\n";
            });
        }
        return rows;
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"PARQUET_1_0, UNCOMPRESSED", "PARQUET_1_0, SNAPPY", "PARQUET_1_0, GZIP", "PARQUET_1_0, ZSTD",
                "PARQUET_2_0, UNCOMPRESSED", "PARQUET_2_0, SNAPPY", "PARQUET_2_0, GZIP", "PARQUET_2_0, ZSTD"})
    void dictionaryThenFallbackOverManyPages(WriterVersion version, CompressionCodecName codec)
            throws IOException, SQLException {
        List<String> rows = rows(20_000);
        Path f = ParquetJava.write(rows, dir.resolve("fallback.parquet"),
                new ParquetJava.Options(version, codec, 8 << 10, 16 << 10, 128 << 10));
        ParquetJava.Pages pages = ParquetJava.pages(f);
        assertTrue(pages.dataPagesPerRowGroup().size() > 1, "several row groups: " + pages);
        assertTrue(pages.dataPagesPerRowGroup().stream().anyMatch(n -> n > 50), "many pages per chunk: " + pages);
        assertEquals(version == WriterVersion.PARQUET_2_0, pages.anyV2());
        try (DuckDb duck = new DuckDb()) {
            List<String> encodings = duck.chunkEncodings(f);
            String fallback = version == WriterVersion.PARQUET_2_0 ? "DELTA_BYTE_ARRAY" : "PLAIN";
            assertTrue(encodings.stream().anyMatch(e -> e.contains("DICTIONARY") && e.contains(fallback + ",")
                    || e.contains("DICTIONARY") && e.contains(", " + fallback)), "a chunk falls back: " + encodings);
            assertEquals(duck.readStrings(f, "text"), rows, "DuckDB agrees with what was written");
        }
        assertEquals(rows, ParquetFile.open(f).readStrings("text"));
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"PARQUET_1_0", "PARQUET_2_0"})
    void requiredColumnHasNoDefinitionLevels(WriterVersion version) throws IOException {
        List<String> rows = rows(5_000).stream().map(r -> r == null ? "was null" : r).toList();
        Path f = ParquetJava.writeRequired(rows, dir.resolve("required.parquet"),
                new ParquetJava.Options(version, CompressionCodecName.ZSTD, 4 << 10, 8 << 10, 1 << 20));
        ParquetFile p = ParquetFile.open(f);
        assertEquals(Column.Repetition.REQUIRED, p.columns().get(0).repetition());
        assertEquals(rows, p.readStrings("text"));
    }

    @Test
    void allDistinctRowsWithoutDictionary() throws IOException {
        List<String> rows = new ArrayList<>();
        for (int i = 0; i < 3_000; i++) {
            rows.add(i % 10 == 0 ? null : "distinct " + i + " ü".repeat(i % 7));
        }
        Path f = ParquetJava.write(rows, dir.resolve("plain.parquet"),
                new ParquetJava.Options(WriterVersion.PARQUET_2_0, CompressionCodecName.SNAPPY, 2 << 10, 64, 1 << 20));
        assertEquals(rows, ParquetFile.open(f).readStrings("text"));
    }
}
