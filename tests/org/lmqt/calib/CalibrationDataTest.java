package org.lmqt.calib;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.airlift.compress.zstd.ZstdOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.cli.UserException;
import org.lmqt.io.parquet.ParquetJava;

/**
 * The calibration sets by name, from fake hub caches and local files: each known name in its hub layout (zstd JSON
 * lines, parquet in both WikiText layouts, a BoS CSV with quoted multi-line fields, gzip JSON lines), other dataset
 * ids by their train split, local files and folders, and the one-line errors.
 */
class CalibrationDataTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ParquetJava.Options SMALL_PAGES = new ParquetJava.Options(WriterVersion.PARQUET_1_0,
            CompressionCodecName.SNAPPY, 1 << 10, 1 << 10, 1 << 20);
    private static final List<String> TEXTS = List.of("first record", " = Title = \n", "", "line one\nline two",
            "quote \" and, comma", "ü ✓ \u00a0");

    @TempDir
    Path dir;

    @Test
    void pilevalIsReadFromItsZstdJsonLines() throws IOException {
        Path cache = dir.resolve("hub");
        compressedJsonLines(TEXTS, snapshot(cache, "mit-han-lab/pile-val-backup", "abc").resolve("val.jsonl.zst"));
        assertEquals(TEXTS, CalibrationData.locate("pileval", cache).records());
    }

    @Test
    void wikitextTakesTheValidationSplitInEitherLayout() throws IOException {
        Path current = dir.resolve("hub-current");
        Path snapshot = snapshot(current, "Salesforce/wikitext", "main1");
        parquet(TEXTS, snapshot.resolve("wikitext-2-raw-v1/validation-00000-of-00001.parquet"));
        parquet(List.of("test split"), snapshot.resolve("wikitext-2-raw-v1/test-00000-of-00001.parquet"));
        parquet(List.of("other config"), snapshot.resolve("wikitext-103-raw-v1/validation-00000-of-00001.parquet"));
        assertEquals(TEXTS, CalibrationData.locate("wikitext", current).records());

        Path converted = dir.resolve("hub-converted");
        Path old = snapshot(converted, "wikitext", "conv");
        parquet(TEXTS.reversed(), old.resolve("wikitext-2-raw-v1/validation/0000.parquet"));
        assertEquals(TEXTS.reversed(), CalibrationData.locate("wikitext", converted).records());
    }

    @Test
    void bosReadsTheTrainCsvWithQuotedMultiLineFields() throws IOException {
        Path cache = dir.resolve("hub");
        Path snapshot = snapshot(cache, "schnell18/branch-of-science", "s1");
        Files.writeString(snapshot.resolve("train.csv"), bosCsv(TEXTS));
        Files.writeString(snapshot.resolve("test.csv"), bosCsv(List.of("held out")));
        Files.writeString(snapshot.resolve("README.md"), "# BoS\n");
        assertEquals(List.of(snapshot.resolve("train.csv")), CalibrationData.locate("bos", cache).files());
        assertEquals(TEXTS, CalibrationData.locate("bos", cache).records());

        Path local = Files.writeString(dir.resolve("data-Llama-2-7b-chat-hf-vLLM.csv"), bosCsv(TEXTS));
        assertEquals(TEXTS, CalibrationData.locate(local.toString(), cache).records());
    }

    @Test
    void c4IsItsValidationShardZero() throws IOException {
        Path cache = dir.resolve("hub");
        Path snapshot = snapshot(cache, "allenai/c4", "s1");
        compressedJsonLines(TEXTS, snapshot.resolve("en/c4-validation.00000-of-00008.json.gz"));
        assertEquals(TEXTS, CalibrationData.locate("c4", cache).records());
    }

    @Test
    void gptqTakesTheFirstDocumentsOfC4TrainShardOne() throws IOException {
        Path cache = dir.resolve("hub");
        List<String> documents = new ArrayList<>();
        for (int d = 0; d < GptqCalibration.DOCUMENTS + 5; d++) {
            documents.add("document " + d);
        }
        compressedJsonLines(documents, snapshot(cache, "allenai/c4", "s1").resolve(GptqCalibration.C4_TRAIN_FILE));
        assertEquals(documents.subList(0, GptqCalibration.DOCUMENTS), CalibrationData.gptqDocuments(cache));
        long[] stream = GptqCalibration.stream(documents, text -> new long[] {1, text.length()});
        assertEquals(2 * GptqCalibration.DOCUMENTS, stream.length);
        assertEquals("document 1023".length(), stream[stream.length - 1]);
        assertOneLine("C4 training shard not found: looked for datasets--allenai--c4 in " + dir + " ("
                + GptqCalibration.C4_TRAIN_FILE + "); download it first, e.g. with huggingface-cli download "
                + "--repo-type dataset allenai/c4 --include " + GptqCalibration.C4_TRAIN_FILE,
                () -> CalibrationData.gptqDocuments(dir));
    }

    @Test
    void anotherDatasetIdGivesItsTrainFilesInPathOrderFromTheMainSnapshot() throws IOException {
        Path cache = dir.resolve("hub");
        Path main = snapshot(cache, "acme/notes", "main");
        parquet(TEXTS.subList(0, 2), main.resolve("data/train-00000-of-00002.parquet"));
        parquet(TEXTS.subList(2, 6), main.resolve("data/train-00001-of-00002.parquet"));
        parquet(List.of("test"), main.resolve("data/test-00000-of-00001.parquet"));
        Files.writeString(main.resolve("data/train-extra.jsonl"), jsonLines(List.of("minority format")));
        Path newer = snapshot(cache, "acme/notes", "newer");
        Files.writeString(newer.resolve("train.jsonl"), jsonLines(List.of("not main")));
        Files.setLastModifiedTime(main, FileTime.fromMillis(0));
        Path ref = Files.createDirectories(cache.resolve("datasets--acme--notes/refs")).resolve("main");
        Files.writeString(ref, "main\n");
        assertEquals(TEXTS, CalibrationData.locate("acme/notes", cache).records());

        Path unnamed = snapshot(cache, "acme/unsplit", "s1");
        Files.writeString(unnamed.resolve("notes.jsonl"), jsonLines(List.of("all", "train")));
        assertEquals(List.of("all", "train"), CalibrationData.locate("acme/unsplit", cache).records());
    }

    @Test
    void localTextFilesAreSplitIntoLinesAndFoldersIntoTheirTrainSplit() throws IOException {
        Path txt = Files.writeString(dir.resolve("notes.txt"), "one\r\ntwo\n\n  three  \rfour\u2028five\n");
        assertEquals(List.of("one", "two", "", "  three  ", "four", "five"),
                CalibrationData.locate(txt.toString(), dir).records());
        Path folder = Files.createDirectories(dir.resolve("local-set/data"));
        Files.writeString(folder.resolve("train.jsonl"), jsonLines(TEXTS));
        Files.writeString(folder.resolve("validation.jsonl"), jsonLines(List.of("valid")));
        Files.writeString(folder.resolve(".hidden-train.jsonl"), jsonLines(List.of("hidden")));
        assertEquals(TEXTS, CalibrationData.locate(dir.resolve("local-set").toString(), dir).records());
    }

    @Test
    void csvFollowsRfc4180AsPandasReadsIt() throws IOException {
        Path csv = Files.writeString(dir.resolve("odd.csv"), "\uFEFFid,text\r\n1,\"a, \"\"b\"\"\r\nc\"\r\n\r\n2,\r\n3\n"
                + "4,\"\"\n5,plain");
        assertEquals(List.of("a, \"b\"\r\nc", "", "", "", "plain"), CalibrationData.locate(csv.toString(), dir)
                .records());
        Path wide = Files.writeString(dir.resolve("wide.csv"), "text\na,b\n");
        assertOneLine(wide + ": record 1 has 2 fields, the header 1", () -> CalibrationData.locate(wide.toString(),
                dir).records());
        Path noText = Files.writeString(dir.resolve("notext.csv"), "topic,body\nx,y\n");
        assertOneLine(noText + ": no column 'text' in the header [topic, body]",
                () -> CalibrationData.locate(noText.toString(), dir).records());
        Path open = Files.writeString(dir.resolve("open.csv"), "text\n\"never closed\n");
        assertOneLine(open + ": a quoted field is not closed at the end of the file",
                () -> CalibrationData.locate(open.toString(), dir).records());
    }

    @Test
    void missingAndUnknownSetsAreOneLineErrorsSayingWhereTheyLooked() throws IOException {
        Path cache = dir.resolve("empty-hub");
        assertOneLine("pileval: not found: looked for datasets--mit-han-lab--pile-val-backup in " + cache
                + " (val.jsonl.zst); download it first, e.g. with huggingface-cli download --repo-type dataset "
                + "mit-han-lab/pile-val-backup", () -> CalibrationData.locate("pileval", cache));
        assertOneLine("wikitext: not found: looked for datasets--Salesforce--wikitext or datasets--wikitext in "
                + cache + " (wikitext-2-raw-v1/validation-*.parquet or wikitext-2-raw-v1/validation/*.parquet); "
                + "download it first, e.g. with huggingface-cli download --repo-type dataset Salesforce/wikitext",
                () -> CalibrationData.locate("wikitext", cache));
        assertOneLine("acme/none: unknown calibration data set: not one of pileval, wikitext, bos, c4, no such file "
                + "or folder, and not found as datasets--acme--none in " + cache + " (the train split's data files)",
                () -> CalibrationData.locate("acme/none", cache));
        Path doc = Files.writeString(dir.resolve("notes.docx"), "x");
        assertOneLine(doc + ": not a data file (.parquet, .jsonl, .json, .csv or .txt, the last three optionally "
                + ".gz or .zst)", () -> CalibrationData.locate(doc.toString(), cache));
        Path broken = Files.write(dir.resolve("broken.jsonl.zst"), new byte[] {1, 2, 3, 4, 5, 6, 7, 8});
        UserException e = assertThrows(UserException.class, () -> CalibrationData.locate(broken.toString(), cache)
                .records());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    private static void assertOneLine(String expected, org.junit.jupiter.api.function.Executable call) {
        UserException e = assertThrows(UserException.class, call);
        assertEquals(expected, e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
    }

    private static Path snapshot(Path cache, String id, String sha) throws IOException {
        return Files.createDirectories(cache.resolve("datasets--" + id.replace("/", "--")).resolve("snapshots")
                .resolve(sha));
    }

    private static void parquet(List<String> rows, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        ParquetJava.write(rows, file, SMALL_PAGES);
    }

    /** JSON lines written gzip- or zstd-compressed, by the file name. */
    private static void compressedJsonLines(List<String> texts, Path file) throws IOException {
        Files.createDirectories(file.getParent());
        OutputStream raw = Files.newOutputStream(file);
        boolean zstd = file.toString().endsWith(".zst");
        try (OutputStream out = zstd ? new ZstdOutputStream(raw) : new GZIPOutputStream(raw)) {
            out.write(jsonLines(texts).getBytes(StandardCharsets.UTF_8));
        }
    }

    private static String jsonLines(List<String> texts) throws IOException {
        StringBuilder lines = new StringBuilder();
        for (String text : texts) {
            lines.append(JSON.writeValueAsString(Map.of("text", text, "meta", Map.of("pile_set_name", "Pile-CC"))))
                    .append('\n');
        }
        return lines.toString();
    }

    /** The BoS generator's CSV: {@code topic,text,timestamp}, quoted as pandas quotes. */
    private static String bosCsv(List<String> texts) {
        List<String> lines = new ArrayList<>(List.of("topic,text,timestamp"));
        for (String text : texts) {
            lines.add("Algebra," + org.lmqt.io.PandasCsv.quote(text) + ",2024-11-30 12:00:00");
        }
        return String.join("\n", lines) + "\n";
    }
}
