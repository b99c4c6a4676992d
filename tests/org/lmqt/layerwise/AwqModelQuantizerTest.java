package org.lmqt.layerwise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.ActivationCapture;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.CalibrationInputs;
import org.lmqt.quant.awq.Awq;
import org.lmqt.quant.awq.AwqFeatures;
import org.lmqt.quant.awq.AwqLayer;
import org.lmqt.quant.awq.AwqOptions;

/**
 * AWQ through the model: each block's layer gets exactly what {@link Awq#quantize} gives on the inputs of the
 * unmodified model's block (captured independently here), and the scaled norms reach the runtime.
 */
class AwqModelQuantizerTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    @TempDir
    Path tmp;

    private static long[][] windows() {
        long[][] w = new long[3][64];
        for (int i = 0; i < w.length; i++) {
            for (int t = 0; t < 64; t++) {
                w[i][t] = 3 + (i * 131 + t * 17 + t * t) % 250;
            }
        }
        return w;
    }

    @Test
    void eachLayerIsAwqOnTheUnmodifiedModelsInputs() {
        Path dir = tmp.resolve("m");
        // MHA with widths AWQ's clip search takes (outputs a multiple of 64), so all four units run
        new TinyLlama(2, 128, 256, 2, 2, 256, 256, 10000.0, false, DType.BF16, 5).write(dir);
        AwqOptions options = AwqOptions.of(AwqOptions.Flavour.AUTOAWQ, 4, 64);
        long[][] windows = windows();
        try (Checkpoint ckpt = Checkpoint.open(dir);
             LlamaModel m = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU)) {
            AwqModelQuantizer.Result r = new AwqModelQuantizer(options).quantize(m, WeightSource.of(ckpt), windows,
                    l -> { });
            assertEquals(14, r.matrices().size());
            assertEquals(4, r.norms().size());
            // the independent path: capture the unquantized model's part inputs, run AWQ on layer 1 directly
            List<CalibrationInputs> x = new ArrayList<>();
            try (ActivationCapture cap = new ActivationCapture(m.manager(), Set.of(BlockPart.values()));
                 var hook = m.addHook(cap)) {
                for (long[] w : windows) {
                    m.logits(w);
                }
                for (BlockPart p : BlockPart.values()) {
                    var xs = cap.inputs(1, p);
                    int cols = (int) xs.getFirst().getShape().get(1);
                    float[] all = new float[windows.length * 64 * cols];
                    for (int i = 0; i < xs.size(); i++) {
                        float[] v = xs.get(i).toFloatArray();
                        System.arraycopy(v, 0, all, i * v.length, v.length);
                    }
                    x.add(new CalibrationInputs(all, windows.length * 64, cols));
                }
            }
            String p = "model.layers.1.";
            AwqLayer layer = new AwqLayer(ckpt.tensor(p + "input_layernorm.weight").data(),
                    w(ckpt, "self_attn.q_proj"), w(ckpt, "self_attn.k_proj"), w(ckpt, "self_attn.v_proj"),
                    w(ckpt, "self_attn.o_proj"), ckpt.tensor(p + "post_attention_layernorm.weight").data(),
                    w(ckpt, "mlp.gate_proj"), w(ckpt, "mlp.up_proj"), w(ckpt, "mlp.down_proj"));
            Awq.Result direct = Awq.quantize(layer, new AwqFeatures(x.get(0), x.get(1), x.get(2), x.get(3)), options);
            assertEquals(4, direct.searches().size(), "qkv, o, gate_up and down all searched (MHA)");
            for (String module : AwqLayer.LINEARS) {
                assertArrayEquals(direct.result().matrices().get(module).codes(),
                        r.matrices().get(new MatrixKey(1, module)).codes(), module);
            }
            assertArrayEquals(direct.scaled().inputNorm(), r.norms().get(p + "input_layernorm.weight"));
            assertFalse(java.util.Arrays.equals(layer.inputNorm(), r.norms().get(p + "input_layernorm.weight")),
                    "the norm absorbs the scales");
            // the runtime takes the quantized linears and the scaled norms
            // plain group-wise rounding of the same weights, for comparison
            java.util.Map<MatrixKey, org.lmqt.quant.awq.AwqMatrix> plain = new java.util.HashMap<>();
            for (int l = 0; l < 2; l++) {
                for (String module : AwqLayer.LINEARS) {
                    MatrixKey key = new MatrixKey(l, module);
                    var t = ckpt.tensor(key.weightName(ckpt.family()));
                    plain.put(key, org.lmqt.quant.awq.PseudoQuantizer.quantize(t.data(), t.shape()[0], t.shape()[1],
                            4, 64, true));
                }
            }
            try (LlamaModel q = LlamaModel.load(new MatrixOverrides(WeightSource.of(ckpt), r.matrices(), r.norms()),
                    ComputeDevice.CPU);
                 LlamaModel rtn = LlamaModel.load(new MatrixOverrides(WeightSource.of(ckpt), plain),
                         ComputeDevice.CPU)) {
                double awqErr = 0;
                double rtnErr = 0;
                for (long[] w : windows) {
                    float[] a = m.logits(w);
                    awqErr += squaredDistance(a, q.logits(w));
                    rtnErr += squaredDistance(a, rtn.logits(w));
                }
                assertTrue(awqErr > 0 && awqErr < rtnErr, "AWQ " + awqErr + " vs plain rounding " + rtnErr);
            }
        }
    }

    private static double squaredDistance(float[] a, float[] b) {
        double d = 0;
        for (int i = 0; i < a.length; i++) {
            d += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return d;
    }

    private static float[] w(Checkpoint ckpt, String module) {
        return ckpt.tensor(new MatrixKey(1, module).weightName(ckpt.family())).data();
    }
}
