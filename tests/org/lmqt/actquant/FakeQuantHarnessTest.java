package org.lmqt.actquant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
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
import org.lmqt.harness.Algo;
import org.lmqt.harness.Harness;
import org.lmqt.harness.ModelRef;
import org.lmqt.harness.ModelRunner;
import org.lmqt.harness.Plan;
import org.lmqt.harness.PplDataset;
import org.lmqt.harness.ResultFiles;
import org.lmqt.harness.Task;
import org.lmqt.mxq.MxqOptions;

/** {@code quant-llm --algo fp16 smoothquant zeroquant fp8 mxfp4} on a tiny seeded model, through the harness. */
class FakeQuantHarnessTest {
    @TempDir
    Path tmp;

    @Test
    void gridOfFakeQuantMethodsLandsInTheResultFile() throws Exception {
        Path model = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(model);
        org.lmqt.model.ByteLevelTokenizerJson.write(model, 512);
        Path text = tmp.resolve("text.txt");
        Files.writeString(text, "Call me Ishmael. Some years ago, never mind how long precisely. ".repeat(20));
        Path docs = tmp.resolve("docs.txt");
        Files.writeString(docs, "It is a way I have of driving off the spleen and regulating the circulation.\n"
                .repeat(40));
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(tmp.resolve("snap"), tmp.resolve("fnorm"),
                MxqOptions.DEFAULTS, List.of(PplDataset.parse(text.toString())), new Perplexity(64, 32),
                OptionalInt.empty(), ComputeDevice.parse("cpu"), 1, new ModelRunner.Calibration(
                        java.util.Optional.of(docs), new org.lmqt.calib.GptqCalibration.Settings(4, 64, 1)), false));
        Plan plan = Plan.of(List.of(ModelRef.parse(model.toString())),
                List.of(Algo.FP16, Algo.SMOOTHQUANT, Algo.ZEROQUANT, Algo.FP8, Algo.MXFP4),
                List.of("w8a8", "w8a8-static-a0.85", "e4m3", "e2m1"), Task.EVAL_PPL);
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        Harness.Outcome out = new Harness(new Harness.Settings(tmp.resolve("results"), "fq", false, false), runner,
                new PrintStream(log, true, StandardCharsets.UTF_8)).run(plan);
        assertEquals(0, out.exitCode(), log.toString(StandardCharsets.UTF_8));
        Path result = out.result().orElseThrow();
        assertTrue(result.getFileName().toString().startsWith("result-fq-"), result.toString());
        Map<String, Double> ppl = new HashMap<>();
        Map<String, String> detail = new HashMap<>();
        for (List<String> row : ResultFiles.readRows(result)) {
            ppl.put(row.get(1) + " " + row.get(2), Double.parseDouble(row.get(12)));
            detail.put(row.get(1) + " " + row.get(2), row.get(3));
        }
        assertEquals(java.util.Set.of("fp16 base", "smoothquant w8a8", "smoothquant w8a8-static-a0.85",
                "zeroquant w8a8", "fp8 e4m3", "mxfp4 e2m1"), ppl.keySet());
        double fp = ppl.get("fp16 base");
        assertTrue(fp > 1 && fp < 1024, "fp16 perplexity " + fp);
        for (String k : ppl.keySet()) {
            if (!k.equals("fp16 base")) {
                // fake quantization changes the model, and 8-bit schemes only a little
                assertNotEquals(fp, ppl.get(k), k + " left the model unchanged");
                double tolerance = k.startsWith("mxfp4") ? 0.5 : 0.05;
                assertTrue(Math.abs(ppl.get(k) / fp - 1) < tolerance, k + ": " + ppl.get(k) + " vs fp16 " + fp);
            }
        }
        // bits per parameter: int8 per-channel with an fp16 scale per row; MXFP4 4 bits + an E8M0 scale per 32
        assertTrue(detail.get("smoothquant w8a8").contains("'weight_bits_per_param': 8.0"), detail.get("smoothquant w8a8"));
        assertTrue(detail.get("smoothquant w8a8").contains("'alpha': 0.5"), detail.get("smoothquant w8a8"));
        assertTrue(detail.get("smoothquant w8a8-static-a0.85").contains("'alpha': 0.85, 'scheme': 'static'"));
        assertTrue(detail.get("mxfp4 e2m1").contains("'weight_bits_per_param': 4.25, 'act_bits': 4"),
                detail.get("mxfp4 e2m1"));
    }

    @Test
    void badConfigsAreOneLineErrors() {
        var models = List.of(ModelRef.parse("some/model"));
        var e = assertThrows(IllegalArgumentException.class,
                () -> Plan.of(models, List.of(Algo.SMOOTHQUANT), List.of("w8a8-a1.5"), Task.EVAL_PPL));
        assertTrue(e.getMessage().contains("alpha must be in [0, 1], got 1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Plan.of(models, List.of(Algo.FP8), List.of("e9m9"), Task.EVAL_PPL));
        assertTrue(e.getMessage().contains("e9m9"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> org.lmqt.quant.act.FakeQuantFormats.activation("mxfp5"));
        assertTrue(e.getMessage().startsWith("unknown fake-quantization format 'mxfp5'"), e.getMessage());
        assertEquals("w8a8-static-a0.85", SmoothQuantConfig.parse("w8a8-a0.85-static").name());
        assertEquals(List.of("w8a8", "w8a8-static"), Algo.SMOOTHQUANT.defaultConfigs());
    }
}
