package org.lmqt.actquant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.smoothquant.Smoothing;
import org.lmqt.quant.smoothquant.W8A8;

/** SmoothQuant through a model: the folding leaves the float model's function unchanged; W8A8 then runs. */
class SmoothQuantModelTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
    private static final long[] IDS = {1, 17, 200, 3, 45, 45, 99, 7};

    private static long[][] windows() {
        Random r = new Random(5);
        long[][] w = new long[3][32];
        for (long[] row : w) {
            for (int i = 0; i < row.length; i++) {
                row[i] = r.nextInt(256);
            }
        }
        return w;
    }

    @Test
    void smoothingIsFoldedWithoutChangingTheFunction() {
        try (Checkpoint ckpt = Checkpoint.open(GQA);
             LlamaModel fp = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU)) {
            float[] plain = fp.logits(IDS);
            var q = new SmoothQuantModelQuantizer(SmoothQuantConfig.parse("w8a8-a0.85"));
            var smoothed = q.smooth(fp, WeightSource.of(ckpt), windows());
            assertEquals(2 * 7, smoothed.tensors().size(), "per layer: two norms and q, k, v, gate, up");
            // the scales really moved: the first norm weight is not the checkpoint's
            String norm = "model.layers.0.input_layernorm.weight";
            assertFalse(java.util.Arrays.equals(ckpt.tensor(norm).data(), smoothed.tensors().get(norm)));
            try (LlamaModel s = LlamaModel.load(new MatrixOverrides(WeightSource.of(ckpt), Map.of(),
                    smoothed.tensors()), ComputeDevice.CPU)) {
                assertTrue(normwise(plain, s.logits(IDS)) < 1e-4, "smoothing is an identity: "
                        + normwise(plain, s.logits(IDS)));
            }
            // the static scheme: per-tensor int8 weights of the smoothed model, steps from its calibrated ranges
            var st = new SmoothQuantModelQuantizer(SmoothQuantConfig.parse("w8a8-static")).quantize(fp,
                    WeightSource.of(ckpt), windows(), l -> { });
            MatrixKey q0 = new MatrixKey(0, "self_attn.q_proj");
            var w = ckpt.tensor(q0.weightName(ckpt.family()));
            var s05 = new SmoothQuantModelQuantizer(SmoothQuantConfig.parse("w8a8-static")).smooth(fp,
                    WeightSource.of(ckpt), windows());
            assertArrayEquals(W8A8.weightPerTensor(s05.tensors().get(q0.weightName(ckpt.family()))),
                    st.matrices().get(q0).dequantize(), "smoothed, then per-tensor int8");
            assertEquals(8 + 16.0 / w.numel(), st.matrices().get(q0).bitsPerWeight(), 1e-12);
            try (LlamaModel m = LlamaModel.load(new MatrixOverrides(WeightSource.of(ckpt), st.matrices(), st.norms()),
                    ComputeDevice.CPU);
                 var hook = m.addHook(new ActivationQuantHook(st.activations()))) {
                float[] w8a8 = m.logits(IDS);
                double d = normwise(plain, w8a8);
                assertTrue(d > 1e-6 && d < 0.1, "W8A8 static: close to, but not, the float model: " + d);
            }
        }
        assertTrue(Smoothing.of(new float[] {4f}, java.util.List.of(new float[] {2f}), 0).factors()[0] == 0.5f,
                "alpha 0: s = 1 / max|W|");
    }

    private static double normwise(float[] a, float[] b) {
        double d = 0;
        double m = 0;
        for (int i = 0; i < a.length; i++) {
            d = Math.max(d, Math.abs(a[i] - b[i]));
            m = Math.max(m, Math.abs(a[i]));
        }
        return d / m;
    }
}
