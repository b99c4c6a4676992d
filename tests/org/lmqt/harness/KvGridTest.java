package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.Perplexity;
import org.lmqt.mxq.MxqOptions;

/** The KV-cache method as a grid dimension: subtask names, progress keys, the kv columns, and the measured cells. */
class KvGridTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    @TempDir
    Path tmp;

    @Test
    void planMultipliesTheGridByTheKvMethodsWithDistinctNames() {
        ModelRef m = ModelRef.parse("meta-llama/Llama-2-7b-hf");
        Plan plan = Plan.of(List.of(m), List.of(Algo.FP16, Algo.HQQ), List.of("b4g64"), List.of("none", "kivi2"),
                Task.EVAL_PPL);
        assertEquals(4, plan.subtasks().size());
        List<String> cfgs = plan.subtasks().stream().map(s -> s.key().cfg()).toList();
        assertEquals(List.of("base", "base+kivi2-g32-r128", "b4g64", "b4g64+kivi2-g32-r128"), cfgs);
        Subtask kivi = plan.subtasks().get(3);
        assertEquals("partial-hqq-Llama-2-7b-hf-b4g64+kivi2-g32-r128.csv", kivi.partialFileName());
        assertEquals("eval_ppl hqq b4g64 Llama-2-7b-hf kv kivi2-g32-r128", kivi.label());
        assertEquals("b4g64", kivi.cfg(), "the weights' config (and snapshot) do not depend on the cache");
        assertEquals(plan.subtasks().get(2).snapshotDir(tmp), kivi.snapshotDir(tmp));
        assertEquals("eval_ppl-fp16-hqq-b4g64-kv-none-kivi2",
                Plan.defaultExperimentName(Task.EVAL_PPL, List.of(Algo.FP16, Algo.HQQ), List.of("b4g64"),
                        List.of("none", "kivi2")));
        assertEquals("eval_ppl-hqq", Plan.defaultExperimentName(Task.EVAL_PPL, List.of(Algo.HQQ), List.of(),
                List.of("none")));
        assertThrows(IllegalArgumentException.class, () -> Plan.of(List.of(m), List.of(Algo.HQQ), List.of(),
                List.of("kivi3"), Task.EVAL_PPL));
        assertThrows(IllegalArgumentException.class, () -> Plan.of(List.of(m), List.of(Algo.HQQ), List.of(),
                List.of("none", "kivi2"), Task.QUANT), "a KV cache changes no weights");
        assertEquals(Algo.HQQ.defaultConfigs().size(), Plan.of(List.of(m), List.of(Algo.HQQ), List.of(),
                List.of("none"), Task.QUANT).subtasks().size());
    }

    @Test
    void fp16AndHqqWithAndWithoutKiviRunOnTheTinyModel() throws Exception {
        Path model = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(model);
        org.lmqt.model.ByteLevelTokenizerJson.write(model, 512);
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "Call me Ishmael. Some years ago, never mind how long precisely. ".repeat(8));
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(tmp.resolve("snap"), tmp.resolve("fnorm"),
                MxqOptions.DEFAULTS, List.of(PplDataset.parse(text.toString())), new Perplexity(128, 64),
                OptionalInt.empty(), ComputeDevice.parse("cpu"), 1));
        Plan plan = Plan.of(List.of(ModelRef.parse(model.toString())), List.of(Algo.FP16, Algo.HQQ), List.of("b4g64"),
                List.of("none", "kivi2-g32-r32"), Task.EVAL_PPL);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Harness.Outcome out = new Harness(new Harness.Settings(tmp.resolve("results"), "kv", false, false), runner,
                new PrintStream(log, true)).run(plan);
        assertEquals(0, out.exitCode(), log.toString());
        Path result = out.result().orElseThrow();
        List<String> header = CsvLine.split(Files.readAllLines(result).get(0));
        assertEquals(ResultRow.COLUMNS, header);
        int kvAt = ResultRow.METRIC_COLUMNS.size();   // right after the metrics lmqt wrote before them
        assertEquals(List.of("kv", "kv_bytes_per_token"), header.subList(kvAt, kvAt + 2));
        Map<String, List<String>> rows = new HashMap<>();
        for (List<String> r : ResultFiles.readRows(result)) {
            rows.put(r.get(1) + " " + r.get(header.indexOf("kv")), r);
        }
        assertEquals(4, rows.size(), rows.keySet().toString());
        int ppl = header.indexOf("ppl_wikitext");
        int bytes = header.indexOf("kv_bytes_per_token");
        for (String algo : List.of("fp16", "hqq")) {
            List<String> exact = rows.get(algo + " none");
            List<String> kivi = rows.get(algo + " kivi2-g32-r32");
            assertNotEquals(exact.get(ppl), kivi.get(ppl), algo + ": the quantized cache changes the perplexity");
            // 2 layers x 2 KV heads x 64: fp16 K+V 1024 bytes; KIVI-2 g32: 256 x (0.5 + 0.25) = 192
            assertEquals(1024.0, Double.parseDouble(exact.get(bytes)));
            assertEquals(192.0, Double.parseDouble(kivi.get(bytes)));
        }
        assertTrue(Files.isRegularFile(tmp.resolve("results/kv/partial-hqq-tiny-b4g64+kivi2-g32-r32.csv")));
        // combine (the figures' input) keeps the quantized-cache rows as methods of their own
        Path data = tmp.resolve("data");
        Files.createDirectories(data.resolve("ppl"));
        Files.copy(result, data.resolve("ppl").resolve(result.getFileName()));
        tech.tablesaw.api.Table combined = org.lmqt.report.Combine.combine(data).combined();
        assertEquals(List.of("fp16", "fp16+kivi2-g32-r32", "hqq", "hqq+kivi2-g32-r32"),
                combined.stringColumn("algo").asList().stream().sorted().toList());
        // a rerun finds all four done
        Harness.Outcome again = new Harness(new Harness.Settings(tmp.resolve("results"), "kv", false, false), runner,
                new PrintStream(new ByteArrayOutputStream(), true)).run(plan);
        assertEquals(4, again.skipped());
    }

    @Test
    void combineReadsPartialFilesWrittenBeforeTheKvColumns() throws Exception {
        Path dir = tmp.resolve("old");
        Files.createDirectories(dir);
        ResultRow row = ResultRow.empty(new Subtask(ModelRef.parse("meta-llama/Llama-2-7b-hf"), "b4g64",
                Task.EVAL_PPL, Algo.HQQ));
        String full = row.csvRecord();
        String withoutKv = CsvLine.join(CsvLine.split(full).subList(0, ResultRow.METRIC_COLUMNS.size()));
        Files.writeString(dir.resolve("partial-hqq-Llama-2-7b-hf-b4g64.csv"),
                String.join(",", ResultRow.METRIC_COLUMNS) + "\n" + withoutKv + "\n");
        Path result = ResultFiles.combine(dir, "old", java.time.LocalDateTime.of(2026, 1, 1, 0, 0)).orElseThrow();
        List<String> r = ResultFiles.readRows(result).get(0);
        assertEquals(ResultRow.COLUMNS.size(), r.size());
        assertEquals("none", r.get(ResultRow.COLUMNS.indexOf("kv")));
        assertEquals(full, CsvLine.join(r));
    }
}
