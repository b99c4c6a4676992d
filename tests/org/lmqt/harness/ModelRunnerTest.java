package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.OptionalInt;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.Perplexity;
import org.lmqt.model.QuantizedSnapshot;
import org.lmqt.mxq.MxqOptions;

class ModelRunnerTest {
    @TempDir
    Path tmp;

    @Test
    void quantTaskWritesASnapshotThatTheStorageTaskReusesAndMeasures() throws Exception {
        Path model = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(model);
        Path snapshots = tmp.resolve("snap");
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(snapshots, snapshots.resolve("fnorm"),
                MxqOptions.DEFAULTS, PplDataset.ORIGINAL, new Perplexity(64, 32), OptionalInt.empty(),
                ComputeDevice.parse("cpu"), 1));
        ModelRef ref = ModelRef.parse(model.toString());
        Subtask quant = new Subtask(ref, "4_25", Task.QUANT, Algo.MXQ);
        Path dir = quant.snapshotDir(snapshots);
        assertEquals(snapshots.resolve("local/tiny-4_25-mxq"), dir);
        assertTrue(runner.note(quant).startsWith("quantizes into"));

        ResultRow q = runner.run(quant);
        assertInstanceOf(Double.class, q.metrics().get("quant_duration"));
        assertTrue(QuantizedSnapshot.isSnapshot(dir));
        assertTrue(Files.isRegularFile(snapshots.resolve("fnorm/fnorm-tiny.csv")), "FNorm table computed");
        assertEquals(0L, q.metrics().get("model_storage_size"));

        Subtask storage = new Subtask(ref, "4_25", Task.EVAL_MODEL_STORAGE, Algo.MXQ);
        assertTrue(runner.note(storage).startsWith("snapshot cached"));
        ResultRow s = runner.run(storage);
        assertEquals(0L, s.metrics().get("quant_duration"), "cached snapshot: no quantization");
        assertEquals(Files.size(dir.resolve(QuantizedSnapshot.FILE)), s.metrics().get("model_storage_size"));
        assertEquals(s.metrics().get("load_mem_allot"), s.metrics().get("load_mem_reserved"));

        ResultRow fp16 = runner.run(new Subtask(ref, "base", Task.EVAL_MODEL_STORAGE, Algo.FP16));
        assertEquals(Files.size(model.resolve("model.safetensors")), fp16.metrics().get("model_storage_size"));
        assertTrue((Long) fp16.metrics().get("model_storage_size") > (Long) s.metrics().get("model_storage_size"));
        try (var files = Files.list(dir.getParent())) {
            assertEquals(List.of(dir), files.toList(), "no temporary snapshot folder left");
        }
    }

    /** bitsandbytes quantizes as it loads: no snapshot, its duration counted every time, its formats' storage. */
    @Test
    void bitsandbytesRunsWithoutASnapshot() throws Exception {
        Path model = tinyModelWithTokenizer();
        Path text = text();
        Path snapshots = tmp.resolve("snap");
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(snapshots, snapshots.resolve("fnorm"),
                MxqOptions.DEFAULTS, List.of(PplDataset.parse(text.toString())), new Perplexity(64, 32),
                OptionalInt.empty(), ComputeDevice.parse("cpu"), 1));
        ModelRef ref = ModelRef.parse(model.toString());
        assertEquals("quantized as it loads", runner.note(new Subtask(ref, "b4g64", Task.QUANT, Algo.BNB)));
        long params = 0;
        long other = 0;
        try (var ckpt = org.lmqt.checkpoint.Checkpoint.open(model)) {
            for (String n : ckpt.tensorNames()) {
                if (org.lmqt.checkpoint.MatrixKey.ofWeight(n, ckpt.family()).isPresent()) {
                    params += ckpt.numel(n);
                } else {
                    other += ckpt.numel(n) * 2;   // bf16
                }
            }
        }
        for (String cfg : Algo.BNB_CONFIGS) {
            ResultRow st = runner.run(new Subtask(ref, cfg, Task.EVAL_MODEL_STORAGE, Algo.BNB));
            assertInstanceOf(Double.class, st.metrics().get("quant_duration"));
            long size = (Long) st.metrics().get("model_storage_size");
            // NF4: half a byte a weight, a byte of nested absmax per 64 and the two code tables (about 1 KiB) per
            // matrix, here of at least 65536 weights; int8: a byte a weight plus a float scale per row
            double perWeight = (double) (size - other) / params;
            assertTrue(cfg.equals("b4g64") ? perWeight > 0.5 + 1.0 / 64 && perWeight < 0.5 + 1.0 / 64 + 0.02
                    : perWeight > 1 && perWeight < 1.02, cfg + ": " + perWeight + " bytes per weight");
            ResultRow ppl = runner.run(new Subtask(ref, cfg, Task.EVAL_PPL, Algo.BNB));
            double value = ((Number) ppl.metrics().get("ppl_wikitext")).doubleValue();
            assertTrue(value > 1 && value < 1024, cfg + " perplexity " + value);
        }
        assertTrue(!Files.exists(snapshots) || Files.list(snapshots).findAny().isEmpty(), "no snapshot written");
        assertTrue(Algo.BNB.configDetail("b4g64").contains("\"bnb_4bit_quant_type\": \"nf4\""));
        assertTrue(Algo.BNB.configDetail("b8g128").contains("\"load_in_8bit\": true"));
        assertTrue(Algo.BNB.configName("b4g32").isEmpty(), "only the original's two configs");
    }

    /** GPTQ and AWQ calibrate on the given documents, save and reuse snapshots, and report their storage. */
    @Test
    void gptqAndAwqCalibrateOnTheGivenDocuments() throws Exception {
        Path model = tinyModelWithTokenizer();
        Path text = text();
        Path docs = tmp.resolve("docs.txt");
        Files.writeString(docs, "It is a way I have of driving off the spleen and regulating the circulation.\n"
                .repeat(40));
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(tmp.resolve("snap"), tmp.resolve("fnorm"),
                MxqOptions.DEFAULTS, List.of(PplDataset.parse(text.toString())), new Perplexity(64, 32),
                OptionalInt.empty(), ComputeDevice.parse("cpu"), 1, new ModelRunner.Calibration(
                        java.util.Optional.of(docs), new org.lmqt.calib.GptqCalibration.Settings(4, 64, 1)), true));
        ModelRef ref = ModelRef.parse(model.toString());
        ResultRow st = runner.run(new Subtask(ref, "b4g128", Task.EVAL_MODEL_STORAGE, Algo.GPTQ));
        long size = (Long) st.metrics().get("model_storage_size");
        assertTrue(size < Files.size(model.resolve("model.safetensors")), "4-bit matrices are smaller than bf16");
        // the first subtask quantized into a snapshot in AutoGPTQ's layout; the next one reuses it
        Path snapshot = new Subtask(ref, "b4g128", Task.EVAL_PPL, Algo.GPTQ).snapshotDir(tmp.resolve("snap"));
        assertTrue(org.lmqt.model.CommunitySnapshot.isCommunity(snapshot), snapshot + " holds a GPTQ snapshot");
        assertTrue(Files.isRegularFile(snapshot.resolve("quantize_config.json")));
        assertEquals(Files.size(snapshot.resolve("model.safetensors")), size);
        assertTrue(((Number) st.metrics().get("quant_duration")).doubleValue() > 0, "calibration and quantization");
        assertFalse(Files.exists(snapshot.resolveSibling("." + snapshot.getFileName() + ".blocks")),
                "the finished blocks are removed once the snapshot is written");
        ResultRow ppl = runner.run(new Subtask(ref, "b4g128", Task.EVAL_PPL, Algo.GPTQ));
        assertEquals(0.0, ((Number) ppl.metrics().get("quant_duration")).doubleValue(), "the snapshot was cached");
        double value = ((Number) ppl.metrics().get("ppl_wikitext")).doubleValue();
        assertTrue(value > 1 && value < 1024, "perplexity " + value);
        // --kl: the divergence from the unquantized model on the same windows, and the top-1 agreement
        double kld = (Double) ppl.metrics().get("kld_wikitext");
        double agree = (Double) ppl.metrics().get("top1_agree_wikitext");
        assertTrue(kld > 0 && kld < 1, "KL " + kld);
        assertTrue(agree > 0 && agree <= 1, "agreement " + agree);
        assertEquals(0L, ppl.metrics().get("kld_c4"), "no c4 set in this run");
        ResultRow fp = runner.run(new Subtask(ref, "base", Task.EVAL_PPL, Algo.FP16));
        assertEquals(0L, fp.metrics().get("kld_wikitext"), "the reference itself is not compared");
        assertTrue(Algo.GPTQ.configDetail("b4g128").startsWith("BaseQuantizeConfig(bits=4, group_size=128, "));
        // AWQ on the same calibration: its scaled norms and quantized linears run
        ResultRow awq = runner.run(new Subtask(ref, "b4g64", Task.EVAL_PPL, Algo.AWQ));
        double awqPpl = ((Number) awq.metrics().get("ppl_wikitext")).doubleValue();
        assertTrue(awqPpl > 1 && awqPpl < 1024, "AWQ perplexity " + awqPpl);
        assertEquals("{'w_bit': 4, 'q_group_size': 64, 'zero_point': True, 'version': 'GEMM'}",
                Algo.AWQ.configDetail("b4g64"));
        assertTrue(Algo.GPTQ.configName("b2g64").isEmpty() == false && Algo.GPTQ.configName("b5g64").isEmpty());
    }

    /** A seeded 2-layer model with a byte-level tokenizer. */
    private Path tinyModelWithTokenizer() {
        Path model = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(model);
        org.lmqt.model.ByteLevelTokenizerJson.write(model, 512);
        return model;
    }

    /** A short text for perplexity. */
    private Path text() throws java.io.IOException {
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "Call me Ishmael. Some years ago, never mind how long precisely. ".repeat(20));
        return text;
    }
}
