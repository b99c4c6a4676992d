package org.lmqt.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.calib.CalibrationWindows;
import org.lmqt.calib.GptqCalibration;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.ActivationCapture;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.WeightSource;
import org.lmqt.mxq.Allocation;
import org.lmqt.mxq.FnormTable;
import org.lmqt.mxq.Mxq;
import org.lmqt.mxq.MxqOptions;
import org.lmqt.mxq.Objective;
import org.lmqt.quant.BnbQuantizer;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.gptq.GptqHessian;
import org.lmqt.quant.gptq.GptqOptions;
import org.lmqt.quant.gptq.GptqQuantizer;

/**
 * FNorm tables of other quantizers: GPTQ's rows equal quantizing each matrix directly at that config from the
 * unquantized model's inputs, its output-error column equals {@code ||X Wᵀ - X Qᵀ||_F} computed directly, NF4's table
 * holds only the 4-bit configs, and MXQ allocates over a GPTQ table within the budget under either objective.
 */
class MethodFnormTest {
    @TempDir
    static Path tmp;

    private static Path model;
    private static long[][] windows;
    private static Path gptqTable;
    /** Rows of the GPTQ table by "layer,module,bits,group": {fnorm, output_fnorm}. */
    private static final Map<String, double[]> gptq = new HashMap<>();

    @BeforeAll
    static void writeGptqTable() throws Exception {
        model = tmp.resolve("tiny");
        new TinyLlama(2, 128, 256, 4, 2, 256, 256, 10000.0, false, DType.BF16, 5).write(model);
        Random r = new Random(7);
        windows = new long[4][32];
        for (long[] w : windows) {
            for (int t = 0; t < w.length; t++) {
                w[t] = 3 + r.nextInt(253);
            }
        }
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            var o = MethodFnorm.write(QuantMethod.GPTQ, ckpt, tmp.resolve("meta"), 2, false, ComputeDevice.CPU,
                    () -> windows);
            gptqTable = o.file();
            assertEquals(2 * 7 * 12, o.rows());
        }
        List<String> lines = Files.readAllLines(gptqTable);
        assertEquals("layer,module,nbit1,gsize1,nbit2,gsize2,fnorm,memmb,params,output_fnorm", lines.getFirst());
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            gptq.put(f[0] + "," + f[1] + "," + f[2] + "," + f[3],
                    new double[] {Double.parseDouble(f[6]), Double.parseDouble(f[9])});
        }
    }

    @Test
    void tablesAreNamedByMethodAndTheDefaultKeepsTheOriginalsName() {
        assertEquals(tmp.resolve("meta/fnorm-tiny-gptq.csv"), gptqTable);
        assertEquals("fnorm-tiny.csv", MethodFnorm.fileName("tiny", QuantMethod.HQQ));
        assertEquals("tiny", MethodFnorm.shortId("fnorm-tiny-gptq.csv"));
        assertEquals("Llama-3.1-8B", MethodFnorm.shortId("data/fnorm-Llama-3.1-8B-nf4.csv"));
        assertEquals("Llama-2-7b-hf", MethodFnorm.shortId("fnorm-Llama-2-7b-hf.csv"));
        assertFalse(Files.exists(MethodFnorm.partFile(gptqTable)), "the part file is removed once the table is whole");
    }

    /** Each row equals GPTQ of that matrix at that config from the unquantized model's inputs (one Hessian each). */
    @Test
    void gptqWeightAndOutputErrorsEqualDirectQuantization() {
        try (Checkpoint ckpt = Checkpoint.open(model);
             LlamaModel m = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU);
             ActivationCapture cap = new ActivationCapture(m.manager(), Set.of(BlockPart.values()))) {
            try (var hook = m.addHook(cap)) {
                for (long[] w : windows) {
                    m.logits(w);
                }
            }
            GptqQuantizer q = new GptqQuantizer(GptqOptions.DEFAULT);
            int checked = 0;
            for (int layer = 0; layer < 2; layer++) {
                for (String module : ckpt.family().linearModules()) {
                    BlockPart part = BlockPart.ofModule(module);
                    Tensor w = ckpt.tensor(new MatrixKey(layer, module).weightName(ckpt.family()));  // [out, in]
                    GptqHessian h = new GptqHessian(w.shape()[1]);
                    List<float[]> xs = new ArrayList<>();
                    for (var x : cap.inputs(layer, part)) {
                        h.addSequence(x);
                        xs.add(x.toFloatArray());                                                   // [T, in]
                    }
                    for (QuantConfig c : QuantConfig.MXQ_CANDIDATES) {
                        float[] deq = q.quantize(w.data(), w.shape(), c, h).matrix().dequantize();
                        double[] row = gptq.get(layer + "," + module + "," + c.bits() + "," + c.group());
                        double fnorm = Fnorm.norm(w.data(), deq, false);
                        assertEquals(fnorm, row[0], 1e-6 * fnorm, layer + " " + module + " " + c + " weight error");
                        // the output error: checked directly on every matrix at two configs (the loops are slow)
                        if (c.equals(new QuantConfig(3, 64)) || c.equals(new QuantConfig(8, 128))) {
                            double direct = outputError(xs, w.data(), deq, w.shape());
                            assertEquals(direct, row[1], 1e-9 * direct, layer + " " + module + " " + c + " output");
                            checked++;
                        }
                    }
                }
            }
            assertEquals(2 * 7 * 2, checked);
        }
        // more bits, less error (the table is not noise)
        assertTrue(gptq.get("1,mlp.down_proj,8,64")[1] < gptq.get("1,mlp.down_proj,2,64")[1]);
    }

    /** NF4 has only 4 bits: the table holds b4g32, b4g64, b4g128, each the error of bitsandbytes' NF4 at that block. */
    @Test
    void nf4TableHoldsOnlyItsConfigs() throws Exception {
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            Path file = MethodFnorm.write(QuantMethod.NF4, ckpt, tmp.resolve("meta"), 2, false, ComputeDevice.CPU,
                    () -> { throw new AssertionError("NF4 needs no calibration"); }).file();
            assertEquals("fnorm-tiny-nf4.csv", file.getFileName().toString());
            List<String> lines = Files.readAllLines(file);
            assertEquals(MetadataKind.FNORM.header(), lines.getFirst());
            assertEquals(1 + 2 * 7 * 3, lines.size());
            String[] first = lines.get(1).split(",");
            assertEquals(List.of("0", "self_attn.q_proj", "4", "32", "8", "128"), List.of(first).subList(0, 6));
            Tensor w = ckpt.tensor(new MatrixKey(0, "self_attn.q_proj").weightName(ckpt.family()));
            float[] deq = BnbQuantizer.NF4.quantize(w.data(), w.shape(), new QuantConfig(4, 32), Optional.empty())
                    .dequantize();
            assertEquals(Fnorm.norm(w.data(), deq, false), Double.parseDouble(first[6]), 0);
            FnormTable t = FnormTable.read(file);
            assertEquals(MethodFnorm.configs(QuantMethod.NF4), t.configs());
        }
    }

    /** hqq is the original's table, byte for byte; rtn's rows are HQQ's rounding without the proximal step. */
    @Test
    void hqqIsTheOriginalTableAndRtnRoundsWithoutOptimising() throws Exception {
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            Path hqq = MethodFnorm.write(QuantMethod.HQQ, ckpt, tmp.resolve("hqq"), 2, false, ComputeDevice.CPU,
                    () -> { throw new AssertionError("HQQ needs no calibration"); }).file();
            Path original = MetadataDump.write(MetadataKind.FNORM, ckpt, tmp.resolve("original"), 2, false).file();
            assertEquals(original.getFileName(), hqq.getFileName());
            assertEquals(Files.readString(original), Files.readString(hqq));
            Path rtn = MethodFnorm.write(QuantMethod.RTN, ckpt, tmp.resolve("hqq"), 2, false, ComputeDevice.CPU,
                    () -> null).file();
            List<String> rtnLines = Files.readAllLines(rtn);
            List<String> hqqLines = Files.readAllLines(hqq);
            assertEquals(hqqLines.size(), rtnLines.size());
            Tensor w = ckpt.tensor(new MatrixKey(0, "mlp.down_proj").weightName(ckpt.family()));
            int checked = 0;
            for (int k = 1; k < rtnLines.size(); k++) {
                String[] r = rtnLines.get(k).split(",");
                String[] h = hqqLines.get(k).split(",");
                assertEquals(List.of(h).subList(0, 6), List.of(r).subList(0, 6));
                if (r[0].equals("0") && r[1].equals("mlp.down_proj")) {
                    var spec = org.lmqt.quant.Hqq.Spec.rtn(Integer.parseInt(r[2]), Integer.parseInt(r[3]));
                    float[] deq = new org.lmqt.quant.Hqq(null).apply(w.data(), w.shape(), spec).dequantizeHalf();
                    assertEquals(Fnorm.norm(w.data(), deq, false), Double.parseDouble(r[6]), 0, rtnLines.get(k));
                    // HQQ's proximal step lowers the error rounding leaves
                    assertTrue(Double.parseDouble(h[6]) <= Double.parseDouble(r[6]), hqqLines.get(k));
                    checked++;
                }
            }
            assertEquals(12, checked);
        }
    }

    /** MXQ on the GPTQ table: within the budget, and optimal for the output objective among both allocations. */
    @Test
    void mxqAllocatesGptqConfigsWithinTheBudget() {
        FnormTable weight = FnormTable.read(gptqTable);
        FnormTable output = Objective.OUTPUT.apply(weight);
        for (double budget : new double[] {3.25, 4.25}) {
            Allocation a = Mxq.solve(weight, budget, MxqOptions.DEFAULTS);
            Allocation b = Mxq.solve(output, budget, MxqOptions.DEFAULTS);
            for (Allocation x : List.of(a, b)) {
                assertTrue(x.withinBudget() && x.optimal());
                double bits = 0;
                for (int i = 0; i < weight.size(); i++) {
                    bits += x.config(i).bitsPerParameter() * weight.matrices().get(i).params();
                }
                assertTrue(bits / weight.totalParams() <= budget + 1e-12, budget + ": " + bits / weight.totalParams());
            }
            // b minimises the summed output error, so a's choice cannot do better on it
            double aOutput = 0;
            double bOutput = 0;
            for (int i = 0; i < weight.size(); i++) {
                aOutput += output.fnorm()[i][a.choice()[i]];
                bOutput += output.fnorm()[i][b.choice()[i]];
            }
            assertEquals(b.objective(), bOutput, 1e-9 * bOutput);
            assertTrue(bOutput <= aOutput + 1e-12, budget + ": " + bOutput + " vs " + aOutput);
        }
    }

    /**
     * A killed run resumes from its part file: the finished block's rows are taken from there (here marked, so the
     * test sees they were not recomputed), the next block is computed as in a whole run.
     */
    @Test
    void aKilledRunResumesFromTheLastFinishedBlock() throws Exception {
        Path dir = tmp.resolve("resume");
        Files.createDirectories(dir);
        Path table = dir.resolve("fnorm-tiny-gptq.csv");
        List<String> whole = Files.readAllLines(gptqTable);
        List<String> block0 = whole.subList(1, 1 + 7 * 12).stream()
                .map(l -> l.replaceFirst(",[^,]*$", ",12345.0")).toList();   // marked output errors
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            List<String> part = new ArrayList<>();
            part.add(CalibratedFnorm.fingerprint(QuantMethod.GPTQ, ckpt, windows));
            part.addAll(block0);
            part.add(whole.get(1 + 7 * 12));   // half a block: dropped
            Files.write(MethodFnorm.partFile(table), part);
            MethodFnorm.write(QuantMethod.GPTQ, ckpt, dir, 2, false, ComputeDevice.CPU, () -> windows);
        }
        List<String> resumed = Files.readAllLines(table);
        assertEquals(whole.size(), resumed.size());
        assertEquals(block0, resumed.subList(1, 1 + 7 * 12), "block 0 from the part file");
        assertEquals(whole.subList(1 + 7 * 12, whole.size()), resumed.subList(1 + 7 * 12, resumed.size()),
                "block 1 computed as in the uninterrupted run");
        assertFalse(Files.exists(MethodFnorm.partFile(table)));
        // a part file of other windows is not used
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            long[][] other = {windows[0].clone()};
            List<String> part = new ArrayList<>();
            part.add(CalibratedFnorm.fingerprint(QuantMethod.GPTQ, ckpt, other));
            part.addAll(block0);
            Files.write(MethodFnorm.partFile(table), part);
            MethodFnorm.write(QuantMethod.GPTQ, ckpt, dir, 2, true, ComputeDevice.CPU, () -> windows);
        }
        assertEquals(whole, Files.readAllLines(table), "recomputed from scratch");
    }

    /**
     * AWQ's output error is that of the weight the deployed layer computes with: for block 0's q and k (whose inputs
     * in the AWQ model are exactly the unquantized ones divided by the scales), {@code ||X Wᵀ - X' deq(Q)ᵀ||_F} with
     * {@code X'} captured from the AWQ-quantized model equals the table's {@code output_fnorm}.
     */
    @Test
    void awqOutputErrorIsTheDeployedLayersError() throws Exception {
        Path file;
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            file = MethodFnorm.write(QuantMethod.AWQ, ckpt, tmp.resolve("meta"), 2, false, ComputeDevice.CPU,
                    () -> windows).file();
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(1 + 2 * 7 * 3, lines.size());
        Map<String, Double> output = new HashMap<>();
        for (String l : lines.subList(1, lines.size())) {
            String[] f = l.split(",");
            output.put(f[0] + "," + f[1] + "," + f[2] + "," + f[3], Double.parseDouble(f[9]));
        }
        QuantConfig b4g64 = new QuantConfig(4, 64);
        try (Checkpoint ckpt = Checkpoint.open(model);
             WeightSource awq = org.lmqt.layerwise.CalibratedQuantization.quantize(QuantMethod.AWQ,
                     Checkpoint.open(model), b4g64, windows, ComputeDevice.CPU, l -> { });
             LlamaModel fp = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU);
             LlamaModel q = LlamaModel.load(awq, ComputeDevice.CPU);
             ActivationCapture fpIn = new ActivationCapture(fp.manager(), Set.of(BlockPart.ATTN_IN));
             ActivationCapture qIn = new ActivationCapture(q.manager(), Set.of(BlockPart.ATTN_IN))) {
            try (var a = fp.addHook(fpIn); var b = q.addHook(qIn)) {
                for (long[] w : windows) {
                    fp.logits(w);
                    q.logits(w);
                }
            }
            for (String module : List.of("self_attn.q_proj", "self_attn.k_proj")) {
                MatrixKey key = new MatrixKey(0, module);
                float[] w = ckpt.tensor(key.weightName(ckpt.family())).data();                    // [out, in]
                var qm = awq.quantized(key).orElseThrow();
                float[] deq = qm.dequantize();                                                     // [out, in]
                int out = qm.shape()[0];
                int in = qm.shape()[1];
                double err = 0;
                for (int k = 0; k < windows.length; k++) {
                    float[] x = fpIn.inputs(0, BlockPart.ATTN_IN).get(k).toFloatArray();          // [T, in]
                    float[] xs = qIn.inputs(0, BlockPart.ATTN_IN).get(k).toFloatArray();          // [T, in]
                    for (int r = 0; r < x.length / in; r++) {
                        for (int o = 0; o < out; o++) {
                            double d = 0;
                            for (int i = 0; i < in; i++) {
                                d += (double) x[r * in + i] * w[o * in + i] - (double) xs[r * in + i] * deq[o * in + i];
                            }
                            err += d * d;
                        }
                    }
                }
                double table = output.get("0," + module + ",4,64");
                // X' = X / s is rounded to float32 in the model, so agreement to float32 precision
                assertEquals(Math.sqrt(err), table, 1e-4 * table, module);
            }
        }
    }

    @Test
    void badInputGetsOneLine() throws Exception {
        assertEquals("unknown FNorm method 'gptx' (known: rtn, hqq, gptq, awq, nf4)",
                assertThrows(UserException.class, () -> MethodFnorm.parse("gptx")).getMessage());
        assertEquals("int8 has no FNorm table (methods: rtn, hqq, gptq, awq, nf4)",
                assertThrows(UserException.class, () -> MethodFnorm.configs(QuantMethod.INT8)).getMessage());
        assertEquals("nf4 has no config b3g64 (its configs: [b4g32, b4g64, b4g128])", assertThrows(UserException.class,
                () -> MethodFnorm.requireConfig(QuantMethod.NF4, new QuantConfig(3, 64))).getMessage());
        // a calibration set shorter than one window
        Path docs = tmp.resolve("short.txt");
        Files.writeString(docs, "too short\n");
        UserException small = assertThrows(UserException.class, () -> new CalibrationWindows(Optional.of(docs),
                new GptqCalibration.Settings(4, 64, 1)).windows(s -> new long[s.length()]));
        assertFalse(small.getMessage().contains("\n"), small.getMessage());
        assertTrue(small.getMessage().contains("tokens"), small.getMessage());
        // the output objective on a table without the column
        Path hqqLike = tmp.resolve("fnorm-x.csv");
        Files.writeString(hqqLike, MetadataKind.FNORM.header() + "\n0,self_attn.q_proj,4,64,8,128,1.0,"
                + org.lmqt.io.PyFloat.repr(new QuantConfig(4, 64).memoryMiB(4096)) + ",4096\n");
        UserException noColumn = assertThrows(UserException.class,
                () -> Objective.OUTPUT.apply(FnormTable.read(hqqLike)));
        assertTrue(noColumn.getMessage().startsWith("fnorm-x.csv lacks column output_fnorm"), noColumn.getMessage());
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            assertThrows(UserException.class, () -> MethodFnorm.write(QuantMethod.GPTQ, ckpt, tmp.resolve("none"), 1,
                    false, ComputeDevice.CPU, () -> new long[0][]));
            // NF4's table has only 4-bit configs: a 3-bit budget is infeasible, in one line
            Path nf4 = MethodFnorm.write(QuantMethod.NF4, ckpt, tmp.resolve("meta"), 2, false, ComputeDevice.CPU,
                    () -> null).file();
            UserException infeasible = assertThrows(UserException.class,
                    () -> Mxq.solve(FnormTable.read(nf4), 3.0, MxqOptions.DEFAULTS));
            assertFalse(infeasible.getMessage().contains("\n"), infeasible.getMessage());
        }
    }

    /** {@code ||X Wᵀ - X Qᵀ||_F} over the captured inputs, in double. */
    private static double outputError(List<float[]> xs, float[] w, float[] q, int[] shape) {
        int out = shape[0];
        int in = shape[1];
        double err = 0;
        for (float[] x : xs) {
            for (int r = 0; r < x.length / in; r++) {
                for (int o = 0; o < out; o++) {
                    double d = 0;
                    for (int i = 0; i < in; i++) {
                        d += (double) x[r * in + i] * ((double) w[o * in + i] - q[o * in + i]);
                    }
                    err += d * d;
                }
            }
        }
        return Math.sqrt(err);
    }
}
