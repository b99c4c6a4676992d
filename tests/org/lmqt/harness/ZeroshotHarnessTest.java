package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.Perplexity;
import org.lmqt.eval.tasks.GroupEvaluation;
import org.lmqt.eval.tasks.HubTaskData;
import org.lmqt.eval.tasks.TaskEvaluation;
import org.lmqt.eval.tasks.TaskFiles;
import org.lmqt.eval.tasks.TaskGroup;
import org.lmqt.eval.tasks.Tasks;
import org.lmqt.io.parquet.DuckDb;
import org.lmqt.model.LoadedModel;
import org.lmqt.mxq.MxqOptions;

/**
 * The harness task {@code eval_zeroshot} on a tiny model with a tokenizer, its tasks' parquet files in a temporary
 * hub cache: the columns hold what the tasks measure on the same model, after the KV-cache columns, and
 * {@link ResultFiles#combine} carries them (zeros for partial files written before them).
 */
class ZeroshotHarnessTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    @TempDir
    static Path tmp;
    static Path model;
    static Path cache;

    @BeforeAll
    static void setUp() throws Exception {
        model = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(model);
        org.lmqt.model.ByteLevelTokenizerJson.write(model, 512);
        cache = tmp.resolve("hub");
        Path fixtures = TestData.shared("fixtures/lm-eval");
        try (DuckDb duck = new DuckDb()) {
            HubTaskData.writeJsonl(duck, cache, "allenai/ai2_arc", HubTaskData.Branch.MAIN,
                    "ARC-Easy/test-00000-of-00001.parquet", fixtures.resolve("arc_easy.jsonl"));
            HubTaskData.writeJsonl(duck, cache, "EleutherAI/lambada_openai", HubTaskData.Branch.CONVERT,
                    "default/test/0000.parquet", fixtures.resolve("lambada_openai.jsonl"));
            HubTaskData.writeJsonl(duck, cache, "cais/mmlu", HubTaskData.Branch.MAIN,
                    "abstract_algebra/test-00000-of-00001.parquet", fixtures.resolve("mmlu_abstract_algebra.jsonl"));
            HubTaskData.writeJsonl(duck, cache, "cais/mmlu", HubTaskData.Branch.MAIN,
                    "abstract_algebra/dev-00000-of-00001.parquet", fixtures.resolve("mmlu_abstract_algebra.dev.jsonl"));
            for (String split : List.of("test", "dev")) {
                HubTaskData.write(duck, cache, "cais/mmlu", HubTaskData.Branch.MAIN, "philosophy/" + split
                        + "-00000-of-00001.parquet", "SELECT 'Is ' || i || ' a thought?' AS question, "
                        + "'philosophy' AS subject, ['yes', 'no', 'maybe', 'never'] AS choices, "
                        + "CAST(i % 4 AS BIGINT) AS answer FROM range(5) t(i)");
            }
        }
    }

    private static ModelRunner runner(ModelRunner.Zeroshot zeroshot) {
        return new ModelRunner(new ModelRunner.Settings(tmp.resolve("snap"), tmp.resolve("fnorm"), MxqOptions.DEFAULTS,
                PplDataset.ORIGINAL, new Perplexity(64, 32), OptionalInt.empty(), ComputeDevice.parse("cpu"), 1,
                ModelRunner.Calibration.ORIGINAL, false, zeroshot));
    }

    @Test
    void theCachedClassicTasksFillTheirColumnsAndCombineCarriesThem() throws Exception {
        ModelRunner runner = runner(new ModelRunner.Zeroshot(List.of(), 0, Optional.empty(), cache));
        Plan plan = Plan.of(List.of(ModelRef.parse(model.toString())), List.of(Algo.FP16, Algo.HQQ),
                List.of("b4g64"), Task.EVAL_ZEROSHOT);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Harness.Outcome out = new Harness(new Harness.Settings(tmp.resolve("results"), "zs", false, false), runner,
                new PrintStream(log, true)).run(plan);
        assertEquals(0, out.exitCode(), log.toString());
        Path result = out.result().orElseThrow();
        List<String> header = CsvLine.split(Files.readAllLines(result).get(0));
        assertEquals(ResultRow.COLUMNS, header);
        assertEquals(ZeroshotColumns.ALL, header.subList(header.size() - ZeroshotColumns.ALL.size(), header.size()));
        Map<String, Map<String, String>> rows = new HashMap<>();
        for (List<String> r : ResultFiles.readRows(result)) {
            Map<String, String> byName = new HashMap<>();
            for (int i = 0; i < header.size(); i++) {
                byName.put(header.get(i), r.get(i));
            }
            rows.put(r.get(1), byName);
        }
        Map<String, String> fp16 = rows.get("fp16");
        // the same tasks run directly on the model give the same numbers
        try (LoadedModel m = LoadedModel.open(model.toString(), ComputeDevice.CPU)) {
            var tok = m.requireTokenizer();
            TaskEvaluation.Outcome arc = new TaskEvaluation(Tasks.byName("arc_easy"), 0, 1234).run(m.model(),
                    tok::encode, TaskFiles.fromHubCache(Tasks.byName("arc_easy"), cache, 0), Optional.empty(), i -> { });
            assertEquals(arc.metrics().get("acc"), Double.parseDouble(fp16.get("acc_arc_easy")));
            assertEquals(arc.metrics().get("acc_norm_stderr"), Double.parseDouble(fp16.get("acc_norm_stderr_arc_easy")));
            TaskEvaluation.Outcome lambada = new TaskEvaluation(Tasks.byName("lambada_openai"), 0, 1234).run(m.model(),
                    tok::encode, TaskFiles.fromHubCache(Tasks.byName("lambada_openai"), cache, 0), Optional.empty(),
                    i -> { });
            assertEquals(lambada.metrics().get("perplexity"), Double.parseDouble(fp16.get("ppl_lambada_openai")));
            assertEquals(lambada.metrics().get("acc"), Double.parseDouble(fp16.get("acc_lambada_openai")));
            GroupEvaluation mmlu = new GroupEvaluation(TaskGroup.MMLU, 0, 1234);
            var groups = mmlu.run(m.model(), tok::encode, mmlu.cachedMembers(cache), Optional.empty(), i -> { })
                    .groups();
            assertEquals(groups.get("mmlu").get("acc"), Double.parseDouble(fp16.get("acc_mmlu")));
            assertEquals(groups.get("mmlu_stem").get("acc_stderr"), Double.parseDouble(fp16.get("acc_stderr_mmlu_stem")));
            assertEquals(groups.get("mmlu_humanities").get("acc"), Double.parseDouble(fp16.get("acc_mmlu_humanities")));
        }
        for (Map<String, String> r : rows.values()) {
            assertEquals("0", r.get("acc_hellaswag"), "a task not in the cache stays 0");
            assertEquals("0", r.get("acc_mmlu_other"), "a category without cached subjects stays 0");
            assertTrue(Double.parseDouble(r.get("duration_zeroshot")) > 0);
            assertEquals("none", r.get("kv"));
        }
        assertFalse(rows.get("hqq").get("acc_norm_arc_easy").isEmpty());

        // a partial file of the previous lmqt (KV columns last) combines with zeros in the zero-shot columns
        Path dir = tmp.resolve("results/zs");
        List<String> before = header.subList(0, header.size() - ZeroshotColumns.ALL.size());
        List<String> fresh = ResultFiles.readRows(result).get(0);
        Files.writeString(dir.resolve("partial-hqq-old-b4g64.csv"), String.join(",", before) + "\n"
                + CsvLine.join(fresh.subList(0, before.size())).replaceFirst("^tiny", "old") + "\n");
        Path combined = ResultFiles.combine(dir, "zs", java.time.LocalDateTime.of(2026, 12, 1, 12, 0)).orElseThrow();
        List<List<String>> all = ResultFiles.readRows(combined);
        assertEquals(3, all.size());
        List<String> old = all.stream().filter(r -> r.get(0).equals("old")).findFirst().orElseThrow();
        assertEquals(header.size(), old.size());
        assertEquals(java.util.Collections.nCopies(ZeroshotColumns.ALL.size(), "0"),
                old.subList(before.size(), header.size()));
        assertTrue(all.stream().anyMatch(r -> r.equals(fresh)), "the fresh rows are carried unchanged");
    }

    @Test
    void givenTasksAndShotsRunOnlyThose() {
        ModelRunner runner = runner(new ModelRunner.Zeroshot(List.of("mmlu_humanities"), 5, Optional.of(2), cache));
        ResultRow r = runner.run(new Subtask(ModelRef.parse(model.toString()), "base", Task.EVAL_ZEROSHOT,
                Algo.FP16));
        double acc = r.metrics().get("acc_mmlu_humanities").doubleValue();
        assertTrue(acc == 0 || acc == 0.5 || acc == 1, "two philosophy questions: " + acc);
        assertEquals(0L, r.metrics().get("acc_mmlu"), "mmlu itself was not asked for");
        assertEquals(0L, r.metrics().get("acc_arc_easy"));
    }

    @Test
    void badTasksAndAnEmptyCacheAreOneLineErrors() {
        UserException bad = assertThrows(UserException.class,
                () -> new ModelRunner.Zeroshot(List.of("mmlu_anatomy"), 0, Optional.empty(), cache));
        assertTrue(bad.getMessage().startsWith("unknown zero-shot task mmlu_anatomy"), bad.getMessage());
        Path empty = tmp.resolve("empty-hub");
        ModelRunner runner = runner(new ModelRunner.Zeroshot(List.of(), 0, Optional.empty(), empty));
        UserException none = assertThrows(UserException.class, () -> runner.run(new Subtask(
                ModelRef.parse(model.toString()), "base", Task.EVAL_ZEROSHOT, Algo.FP16)));
        assertTrue(none.getMessage().startsWith("eval_zeroshot: none of [arc_easy"), none.getMessage());
        assertFalse(none.getMessage().contains("\n"));
    }
}
