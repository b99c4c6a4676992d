package org.lmqt.harness;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.calib.GptqCalibration;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.Perplexity;
import org.lmqt.model.CommunitySnapshot;
import org.lmqt.model.WeightSource;
import org.lmqt.mxq.Allocation;
import org.lmqt.mxq.FnormTable;
import org.lmqt.mxq.Mxq;
import org.lmqt.mxq.MxqOptions;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.gptq.GptqMatrix;

/**
 * {@code --algo mxq --base-method gptq|nf4}: the harness allocates over that method's FNorm table and quantizes every
 * matrix at its allocated config; the rows are algos {@code mxq-gptq} / {@code mxq-nf4} and report the allocation's
 * bits per parameter.
 */
class MxqBaseMethodTest {
    @TempDir
    Path tmp;

    @Test
    void mxqOverGptqQuantizesEachMatrixAtItsAllocatedConfig() throws Exception {
        Path model = tmp.resolve("tiny");
        new TinyLlama(2, 128, 256, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(model);
        org.lmqt.model.ByteLevelTokenizerJson.write(model, 512);
        Path docs = tmp.resolve("docs.txt");
        Files.writeString(docs, "It is a way I have of driving off the spleen and regulating the circulation.\n"
                .repeat(40));
        Path fnormDir = tmp.resolve("fnorm");
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(tmp.resolve("snap"), fnormDir,
                MxqOptions.DEFAULTS, PplDataset.ORIGINAL, new Perplexity(64, 32), OptionalInt.empty(),
                ComputeDevice.CPU, 1, new ModelRunner.Calibration(Optional.of(docs),
                        new GptqCalibration.Settings(4, 64, 1)), false));
        ModelRef ref = ModelRef.parse(model.toString());

        // the plan of --algo mxq --base-method gptq: its own algo, config names as mxq's
        Algo algo = Algo.mxqOver("gptq");
        Plan plan = Plan.of(List.of(ref), List.of(algo), List.of("3.5"), Task.EVAL_MODEL_STORAGE);
        Subtask s = plan.subtasks().getFirst();
        assertEquals("mxq-gptq", s.algo().cliName());
        assertEquals(snapshotDir(tmp, "tiny-3_50-mxq-gptq"), s.snapshotDir(tmp.resolve("snap")));
        ResultRow row = runner.run(s);
        assertEquals("mxq-gptq", row.algo());
        assertEquals("3_50", row.config());

        // the allocation of the GPTQ table the run computed
        Path table = fnormDir.resolve("fnorm-tiny-gptq.csv");
        assertTrue(Files.isRegularFile(table), "the GPTQ FNorm table is computed on the run's calibration");
        FnormTable t = FnormTable.read(table);
        Allocation a = Mxq.solve(t, 3.5, MxqOptions.DEFAULTS);
        double allocatedBits = 0;
        for (int i = 0; i < t.size(); i++) {
            allocatedBits += a.config(i).bitsPerParameter() * t.matrices().get(i).params();
        }
        allocatedBits /= t.totalParams();
        assertTrue(allocatedBits <= 3.5);
        assertTrue(a.problem().table().configs().size() == 12);

        // the snapshot in GPTQModel's layout: each matrix at its allocated bits and group size
        Path snapshot = s.snapshotDir(tmp.resolve("snap"));
        assertTrue(CommunitySnapshot.isCommunity(snapshot));
        String config = Files.readString(snapshot.resolve("config.json"));
        assertTrue(config.contains("\"dynamic\""), "per-module configs in quantization_config.dynamic");
        java.util.Set<QuantConfig> used = new java.util.HashSet<>();
        try (WeightSource w = CommunitySnapshot.source(snapshot)) {
            for (int i = 0; i < t.size(); i++) {
                MatrixKey key = t.matrices().get(i).matrixKey();
                GptqMatrix g = (GptqMatrix) w.quantized(key).orElseThrow();
                assertEquals(a.config(i), new QuantConfig(g.bits(), g.group()), key.id());
                used.add(a.config(i));
            }
        }
        assertTrue(used.size() > 1, "a mixed allocation: " + used);
        // the row's bits are the allocation's
        Matcher m = Pattern.compile("'bits_per_param': ([0-9.]+)\\}$").matcher(row.configDetail());
        assertTrue(m.find(), row.configDetail());
        assertEquals(ResultRow.round(allocatedBits, 4), Double.parseDouble(m.group(1)), 0);
        assertTrue(row.configDetail().startsWith("{'quant_method': 'gptq', "), row.configDetail());
        long size = (Long) row.metrics().get("model_storage_size");
        assertEquals(Files.size(snapshot.resolve(CommunitySnapshot.FILE)), size);

        // --objective output: the allocation that minimises the output errors, in a snapshot root of its own
        ModelRunner outputRunner = new ModelRunner(new ModelRunner.Settings(tmp.resolve("snap-output"), fnormDir,
                MxqOptions.DEFAULTS, PplDataset.ORIGINAL, new Perplexity(64, 32), OptionalInt.empty(),
                ComputeDevice.CPU, 1, new ModelRunner.Calibration(Optional.of(docs),
                        new GptqCalibration.Settings(4, 64, 1)), false), org.lmqt.mxq.Objective.OUTPUT);
        outputRunner.run(new Subtask(ref, "3_50", Task.QUANT, Algo.MXQ_GPTQ));
        Allocation byOutput = Mxq.solve(org.lmqt.mxq.Objective.OUTPUT.apply(t), 3.5, MxqOptions.DEFAULTS);
        try (WeightSource w = CommunitySnapshot.source(s.snapshotDir(tmp.resolve("snap-output")))) {
            for (int i = 0; i < t.size(); i++) {
                GptqMatrix g = (GptqMatrix) w.quantized(t.matrices().get(i).matrixKey()).orElseThrow();
                assertEquals(byOutput.config(i), new QuantConfig(g.bits(), g.group()));
            }
        }
        assertTrue(!java.util.Arrays.equals(a.choice(), byOutput.choice()), "the objectives allocate differently here");

        // NF4: quantized as it loads, at each matrix's allocated block size, within its budget
        ResultRow nf4 = runner.run(new Subtask(ref, "4_25", Task.EVAL_MODEL_STORAGE, Algo.mxqOver("nf4")));
        assertEquals("mxq-nf4", nf4.algo());
        Matcher n = Pattern.compile("'bits_per_param': ([0-9.]+)\\}$").matcher(nf4.configDetail());
        assertTrue(n.find(), nf4.configDetail());
        double nf4Bits = Double.parseDouble(n.group(1));
        assertTrue(nf4Bits <= 4.25 && nf4Bits > 4.12, nf4.configDetail());
        assertTrue(Files.isRegularFile(fnormDir.resolve("fnorm-tiny-nf4.csv")));
    }

    @Test
    void baseMethodsTheHarnessCannotRunGetOneLine() {
        assertEquals(Algo.MXQ, Algo.mxqOver("hqq"));
        assertTrue(assertThrows(UserException.class, () -> Algo.mxqOver("awq")).getMessage()
                .startsWith("--base-method awq: the harness cannot quantize with mixed AWQ configs"));
        assertEquals("unknown --base-method 'foo' (hqq, gptq, nf4)",
                assertThrows(UserException.class, () -> Algo.mxqOver("foo")).getMessage());
        assertEquals(Algo.MXQ_GPTQ, Algo.parse("mxq-gptq"));
        assertEquals(Optional.empty(), Algo.MXQ_GPTQ.configName("b4g64"));
    }

    private static Path snapshotDir(Path tmp, String name) {
        return tmp.resolve("snap/local").resolve(name);
    }
}
