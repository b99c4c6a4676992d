package org.lmqt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.io.parquet.ParquetJava;

/**
 * WikiText-2 from parquet, as the Hugging Face hub cache holds it: a WikiText-like file (Moby-Dick's lines, each
 * with its newline, blank lines as empty rows) written by parquet-java with pyarrow's default sizes (1 MB pages and
 * dictionary limit, snappy). parquet-java finds a dictionary not worth it for these mostly distinct lines and writes
 * them PLAIN; the dictionary-then-plain chunks that pyarrow writes are covered by ParquetFallbackTest.
 */
class EvalTextParquetTest {
    private static final String TEST_FILE = "wikitext-2-raw-v1/test-00000-of-00001.parquet";
    private static final ParquetJava.Options PYARROW_DEFAULTS = new ParquetJava.Options(WriterVersion.PARQUET_1_0,
            CompressionCodecName.SNAPPY, 1 << 20, 1 << 20, 128L << 20);

    @TempDir
    static Path dir;
    static List<String> rows;
    static Path wikitext;

    @BeforeAll
    static void writeWikitextLikeFile() throws IOException {
        rows = new ArrayList<>();
        for (String line : Files.readAllLines(TestData.shared("corpus/moby-dick.txt"))) {
            rows.add(line.isBlank() ? "" : line + "\n");
        }
        wikitext = ParquetJava.write(rows, dir.resolve("wikitext.parquet"), PYARROW_DEFAULTS);
    }

    @Test
    void hubCacheParquetIsFoundAndJoined() throws IOException {
        Path cache = dir.resolve("cache-main");
        place(cache, "datasets--Salesforce--wikitext", TEST_FILE);
        assertEquals(String.join("\n\n", rows), EvalText.load(EvalText.Dataset.WIKITEXT2, Optional.empty(), cache));
    }

    @Test
    void oldRepositoryNameAndParquetConvertedBranchAreFound() throws IOException {
        Path cache = dir.resolve("cache-converted");
        place(cache, "datasets--wikitext", "wikitext-2-raw-v1/test/0000.parquet");
        assertEquals(String.join("\n\n", rows), EvalText.load(EvalText.Dataset.WIKITEXT2, Optional.empty(), cache));
    }

    @Test
    void dataOptionTakesAParquetFileAndNullRowsBecomeEmpty() throws IOException {
        List<String> withNulls = List.of(" = Title = \n", "", "line one\n", "ü ✓\n");
        List<String> written = new ArrayList<>(withNulls);
        written.set(1, null);
        Path f = ParquetJava.write(written, dir.resolve("nulls.parquet"), PYARROW_DEFAULTS);
        assertEquals(String.join("\n\n", withNulls), EvalText.load(EvalText.Dataset.WIKITEXT2, Optional.of(f)));
    }

    @Test
    void nothingInTheCacheKeepsItsMessage() {
        Path cache = dir.resolve("cache-empty");
        UserException e = assertThrows(UserException.class,
                () -> EvalText.load(EvalText.Dataset.WIKITEXT2, Optional.empty(), cache));
        assertEquals("WikiText-2 not found in " + cache + " (datasets--Salesforce--wikitext); pass wiki.test.raw "
                + "with --data", e.getMessage());
    }

    @Test
    void aFileThatIsNotParquetIsAOneLineError() throws IOException {
        Path f = Files.writeString(dir.resolve("csv.parquet"), "id,text\n1,hello\n");
        UserException notParquet = assertThrows(UserException.class,
                () -> EvalText.load(EvalText.Dataset.WIKITEXT2, Optional.of(f)));
        assertEquals(f + ": not a parquet file (it does not start with PAR1)", notParquet.getMessage());
        assertFalse(notParquet.getMessage().contains("\n"));
    }

    private static void place(Path cache, String repo, String relative) throws IOException {
        Path target = cache.resolve(repo).resolve("snapshots").resolve("0123abcd").resolve(relative);
        Files.createDirectories(target.getParent());
        Files.copy(wikitext, target);
    }
}
