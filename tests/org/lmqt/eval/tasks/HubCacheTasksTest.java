package org.lmqt.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.io.parquet.DuckDb;

/**
 * Task documents found in a hub cache as lm-eval loads them: every fixture's documents (and few-shot pool) written
 * as parquet in the main-branch or the parquet-conversion layout, found by the task's dataset id, config and splits,
 * read back equal to the JSON lines, and building the same requests.
 */
class HubCacheTasksTest {
    private static final Path DIR = TestData.shared("fixtures/lm-eval");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path tmp;
    static DuckDb duck;

    @BeforeAll
    static void start() throws SQLException {
        duck = new DuckDb();
    }

    @AfterAll
    static void stop() throws SQLException {
        duck.close();
    }

    static Stream<JsonNode> fixtures() throws IOException {
        List<JsonNode> out = new ArrayList<>();
        JSON.readTree(DIR.resolve("fixtures.json").toFile()).get("fixtures").forEach(out::add);
        return out.stream();
    }

    /** Writes one split of the fixture's dataset in the layout of {@code branch}. */
    private static void writeSplit(Path cache, TaskSource source, String split, String jsonl,
                                   HubTaskData.Branch branch) {
        String config = source.config().orElse("default");
        String relative = switch (branch) {
            case MAIN -> source.config().isPresent() ? config + "/" + split + "-00000-of-00001.parquet"
                    : "data/" + split + "-00000-of-00001.parquet";
            case CONVERT -> config + "/" + split + "/0000.parquet";
        };
        HubTaskData.writeJsonl(duck, cache, source.datasetId(), branch, relative, DIR.resolve(jsonl));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("fixtures")
    void documentsFromTheHubCacheAreTheJsonLinesDocuments(JsonNode fixture) {
        String name = fixture.get("fixture").asText();
        LoglikelihoodTask<?> task = Tasks.byName(fixture.get("task").asText());
        TaskSource source = task.source();
        assertEquals(fixture.get("hf_dataset").asText(), source.datasetId(), name);
        assertEquals(fixture.get("hf_config").isNull() ? null : fixture.get("hf_config").asText(),
                source.config().orElse(null), name);
        assertEquals(fixture.get("eval_split").asText(), source.evalSplit(), name);
        int shots = fixture.get("num_fewshot").asInt();
        if (shots > 0) {
            assertEquals(fixture.get("fewshot_split").asText(), source.fewshotSplit(), name);
        }
        // alternate the two layouts over the fixtures
        HubTaskData.Branch branch = name.length() % 2 == 0 ? HubTaskData.Branch.MAIN : HubTaskData.Branch.CONVERT;
        Path cache = tmp.resolve(name).resolve("hub");
        writeSplit(cache, source, source.evalSplit(), fixture.get("docs").asText(), branch);
        if (shots > 0) {
            writeSplit(cache, source, source.fewshotSplit(), fixture.get("fewshot_docs").asText(), branch);
        }
        TaskFiles files = TaskFiles.fromHubCache(task, cache, shots);
        assertTrue(files.docs().get(0).toString().endsWith(".parquet"), files.docs().toString());
        Path jsonl = DIR.resolve(fixture.get("docs").asText());
        assertSameRequests(task, files, TaskFiles.of(jsonl, shots == 0 ? java.util.Optional.empty()
                : java.util.Optional.of(DIR.resolve(fixture.get("fewshot_docs").asText()))), shots);
    }

    private static <D> void assertSameRequests(LoglikelihoodTask<D> task, TaskFiles parquet, TaskFiles jsonl,
                                               int shots) {
        List<D> docs = Documents.read(task, parquet.docs());
        assertEquals(Documents.read(task, jsonl.docs()), docs, "documents");
        List<D> pool = Documents.read(task, parquet.pool());
        assertEquals(Documents.read(task, jsonl.pool()), pool, "few-shot pool");
        TaskRequests fromParquet = TaskRequests.build(task, docs, pool, shots, 1234);
        TaskRequests fromJsonl = TaskRequests.build(task, Documents.read(task, jsonl.docs()),
                Documents.read(task, jsonl.pool()), shots, 1234);
        assertEquals(fromJsonl.requests(), fromParquet.requests());
        assertFalse(fromParquet.requests().isEmpty());
    }

    /** ARC rows as pyarrow writes them (a struct of two 3-level lists), through parquet-java. */
    @Test
    void arcRowsWrittenByParquetJavaReadAsTheJsonLines() throws IOException {
        org.apache.parquet.schema.MessageType schema = org.apache.parquet.schema.MessageTypeParser
                .parseMessageType("""
                message schema {
                  optional binary id (STRING);
                  optional binary question (STRING);
                  optional group choices {
                    optional group text (LIST) { repeated group list { optional binary element (STRING); } }
                    optional group label (LIST) { repeated group list { optional binary element (STRING); } }
                  }
                  optional binary answerKey (STRING);
                }""");
        var factory = new org.apache.parquet.example.data.simple.SimpleGroupFactory(schema);
        List<org.apache.parquet.example.data.Group> rows = new ArrayList<>();
        Path jsonl = DIR.resolve("arc_easy.train.jsonl");
        for (String line : java.nio.file.Files.readAllLines(jsonl)) {
            if (line.isBlank()) {
                continue;
            }
            JsonNode doc = JSON.readTree(line);
            var g = factory.newGroup();
            g.add("id", doc.get("id").asText());
            g.add("question", doc.get("question").asText());
            var choices = g.addGroup("choices");
            var text = choices.addGroup("text");
            var label = choices.addGroup("label");
            doc.get("choices").get("text").forEach(t -> text.addGroup("list").add("element", t.asText()));
            doc.get("choices").get("label").forEach(l -> label.addGroup("list").add("element", l.asText()));
            g.add("answerKey", doc.get("answerKey").asText());
            rows.add(g);
        }
        Path f = tmp.resolve("arc-parquet-java.parquet");
        org.lmqt.io.parquet.ParquetJava.writeGroups(schema, rows, f, new org.lmqt.io.parquet.ParquetJava.Options(
                org.apache.parquet.column.ParquetProperties.WriterVersion.PARQUET_2_0,
                org.apache.parquet.hadoop.metadata.CompressionCodecName.SNAPPY, 1 << 10, 1 << 10, 4 << 10));
        assertEquals(Documents.read(ArcTask.EASY, jsonl), Documents.read(ArcTask.EASY, f));
    }

    @Test
    void aTaskRunOnTheCachedParquetMeasuresWhatItMeasuresOnTheJsonLines() {
        Path cache = tmp.resolve("run").resolve("hub");
        writeSplit(cache, ArcTask.EASY.source(), "test", "arc_easy.jsonl", HubTaskData.Branch.CONVERT);
        writeSplit(cache, ArcTask.EASY.source(), "train", "arc_easy.train.jsonl", HubTaskData.Branch.CONVERT);
        TaskEvaluation eval = new TaskEvaluation(ArcTask.EASY, 3, 1234);
        try (org.lmqt.model.LoadedModel m = org.lmqt.model.LoadedModel.open(
                TestData.shared("fixtures/llama/tiny-llama-gqa-bf16").toString(), org.lmqt.device.ComputeDevice.CPU)) {
            TaskEvaluation.Outcome parquet = eval.run(m.model(), MmluGroupTest.BYTES,
                    TaskFiles.fromHubCache(ArcTask.EASY, cache, 3), java.util.Optional.empty(), i -> { });
            TaskEvaluation.Outcome jsonl = eval.run(m.model(), MmluGroupTest.BYTES, TaskFiles.of(
                    DIR.resolve("arc_easy.jsonl"), java.util.Optional.of(DIR.resolve("arc_easy.train.jsonl"))),
                    java.util.Optional.empty(), i -> { });
            assertEquals(jsonl.metrics(), parquet.metrics());
            assertEquals(jsonl.requests(), parquet.requests());
            assertEquals(3, parquet.documents());
        }
    }

    @Test
    void aMissingDatasetNamesIdConfigSplitAndWhereItLooked() {
        Path cache = tmp.resolve("empty-hub");
        UserException e = assertThrows(UserException.class,
                () -> TaskFiles.fromHubCache(Tasks.byName("arc_challenge"), cache, 0));
        String m = e.getMessage();
        assertFalse(m.contains("\n"), m);
        assertTrue(m.startsWith("allenai/ai2_arc (config ARC-Challenge) split test is not in the Hugging Face hub "
                + "cache: looked for datasets--allenai--ai2_arc in " + cache
                + " (ARC-Challenge/test-*.parquet or ARC-Challenge/test/*.parquet)"), m);
    }

    @Test
    void aFewShotRunAlsoNeedsThePoolSplit() {
        Path cache = tmp.resolve("no-pool").resolve("hub");
        writeSplit(cache, ArcTask.EASY.source(), "test", "arc_easy.jsonl", HubTaskData.Branch.MAIN);
        assertEquals(1, TaskFiles.fromHubCache(ArcTask.EASY, cache, 0).docs().size());
        String m = assertThrows(UserException.class, () -> TaskFiles.fromHubCache(ArcTask.EASY, cache, 3))
                .getMessage();
        assertTrue(m.startsWith("allenai/ai2_arc (config ARC-Easy) split train is not in the Hugging Face hub"), m);
    }

    @Test
    void aParquetFileWithOtherColumnsIsAOneLineError() {
        Path f = HubTaskData.write(duck, tmp.resolve("bad"), "x/y", HubTaskData.Branch.MAIN, "test.parquet",
                "SELECT 'q' AS question, 3 AS nonsense");
        String m = assertThrows(UserException.class, () -> Documents.read(ArcTask.EASY, f)).getMessage();
        assertTrue(m.startsWith(f + " row 0: not a Doc row ("), m);
        assertFalse(m.contains("\n"), m);
    }
}
