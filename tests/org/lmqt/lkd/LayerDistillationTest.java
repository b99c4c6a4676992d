package org.lmqt.lkd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.training.GradientCollector;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.actquant.ActivationQuantHook;
import org.lmqt.actquant.FakeQuantRecipe;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.act.FakeQuantFormats;
import org.lmqt.quant.act.WeightQuantFormat;
import org.lmqt.quant.zeroquant.DeepSpeedQuantizer;

/** ZeroQuant's LKD: straight-through gradients, torch's AdamW, and training a layer of a tiny model. */
class LayerDistillationTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");

    private static float[] random(Random r, int n, double scale) {
        float[] a = new float[n];
        for (int i = 0; i < n; i++) {
            a[i] = (float) (r.nextGaussian() * scale);
        }
        return a;
    }

    @Test
    void steGradientIsTheDenseGradientOfTheFakeQuantizedForward() {
        int t = 5;
        int in = 8;
        int out = 6;
        Random r = new Random(3);
        float[] x = random(r, t * in, 1.0);                                        // [T, in]
        float[] w = random(r, out * in, 0.5);                                      // [out, in]
        float[] target = random(r, t * out, 1.0);                                  // [T, out]
        WeightQuantFormat wf = FakeQuantFormats.weight("zq-int4");
        var af = FakeQuantFormats.activation("zq-int8");
        MatrixKey key = new MatrixKey(0, "self_attn.q_proj");
        float[] wq = wf.apply(w, out, in);
        float[] xq = af.quantizer().apply(key, x, in);
        try (NDManager m = Djl.newManager(ComputeDevice.CPU)) {
            NDArray xa = m.create(x, new Shape(t, in));
            NDArray wa = m.create(w, new Shape(out, in));
            xa.setRequiresGradient(true);
            wa.setRequiresGradient(true);
            SteLinear layer = new SteLinear(key, wa, null, Optional.of(wf), Optional.of(af.quantizer()));
            float[] y;
            try (GradientCollector gc = Engine.getInstance().newGradientCollector()) {
                NDArray ya = layer.forward(xa);                                     // [T, out]
                y = ya.toFloatArray();
                gc.backward(ya.sub(m.create(target, new Shape(t, out))).square().mean());
            }
            float[] gw = wa.getGradient().toFloatArray();                           // [out, in]
            float[] gx = xa.getGradient().toFloatArray();                           // [T, in]
            // the forward is ZeroQuant's LinearLayer_Compress
            float[] ref = new org.lmqt.quant.zeroquant.ZeroQuantLinear(new DeepSpeedQuantizer(4, true), out,
                    new DeepSpeedQuantizer(8, true)).forward(x, w, null, out, in);
            for (int i = 0; i < y.length; i++) {
                assertEquals(ref[i], y[i], 1e-5, "y " + i);
            }
            // hand-derived: dL/dy = 2 (y - t) / N; dL/dW = dL/dy^T xq; dL/dx = dL/dy wq (the quantizers pass it on)
            double n = t * out;
            double maxW = 0;
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    double s = 0;
                    for (int k = 0; k < t; k++) {
                        s += 2 * (y[k * out + o] - target[k * out + o]) / n * xq[k * in + i];
                    }
                    assertEquals(s, gw[o * in + i], 1e-6, "dL/dW " + o + "," + i);
                    maxW = Math.max(maxW, Math.abs(s));
                }
            }
            assertTrue(maxW > 1e-3, "the gradient is not trivially zero");
            for (int k = 0; k < t; k++) {
                for (int i = 0; i < in; i++) {
                    double s = 0;
                    for (int o = 0; o < out; o++) {
                        s += 2 * (y[k * out + o] - target[k * out + o]) / n * wq[o * in + i];
                    }
                    assertEquals(s, gx[k * in + i], 1e-6, "dL/dx " + k + "," + i);
                }
            }
        }
    }

    @Test
    void deviceDeepSpeedQuantizerIsTheJavaOne() {
        Random r = new Random(8);
        int t = 9;
        int in = 48;
        float[] x = random(r, t * in, 2.0);                                        // [T, in]
        for (int i = 0; i < in; i++) {
            x[2 * in + i] = (i - 24) * 0.25f;                                      // ties at half steps
        }
        for (int bits : new int[] {8, 4}) {
            float[] want = new DeepSpeedQuantizer(bits, true).perToken(x, in);
            try (NDManager m = Djl.newManager(ComputeDevice.CPU)) {
                float[] got = Ste.deepSpeedPerToken(m.create(x, new Shape(t, in)), bits).toFloatArray();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), bits + " bits, " + i);
                }
            }
        }
    }

    @Test
    void adamWIsTorchsFormula() {
        float[] p0 = {0.5f, -1.25f, 2f, 0f, 1e-3f, -0.75f};
        float[][] grads = {{0.1f, -0.2f, 0.3f, 0f, 5f, -1e-4f}, {-0.3f, 0.1f, 0.3f, 1f, -2f, 2e-4f},
                {0.05f, 0.05f, -0.6f, 0.2f, 1f, 0f}};
        var s = new AdamW.Settings(0.01, 0.1, 0.9, 0.999, 1e-8);
        for (boolean decay : new boolean[] {true, false}) {
            try (NDManager m = Djl.newManager(ComputeDevice.CPU)) {
                NDArray p = m.create(p0.clone());
                AdamW opt = new AdamW(s);
                double[] ref = new double[p0.length];
                double[] mm = new double[p0.length];
                double[] vv = new double[p0.length];
                for (int i = 0; i < p0.length; i++) {
                    ref[i] = p0[i];
                }
                for (int step = 1; step <= grads.length; step++) {
                    opt.update("w", p, m.create(grads[step - 1]), decay);
                    for (int i = 0; i < p0.length; i++) {
                        double g = grads[step - 1][i];
                        if (decay) {
                            ref[i] *= 1 - s.lr() * s.weightDecay();
                        }
                        mm[i] = 0.9 * mm[i] + 0.1 * g;
                        vv[i] = 0.999 * vv[i] + 0.001 * g * g;
                        double mHat = mm[i] / (1 - Math.pow(0.9, step));
                        double vHat = vv[i] / (1 - Math.pow(0.999, step));
                        ref[i] -= s.lr() * mHat / (Math.sqrt(vHat) + s.eps());
                    }
                    float[] got = p.toFloatArray();
                    for (int i = 0; i < p0.length; i++) {
                        assertEquals(ref[i], got[i], 1e-6 * Math.max(1, Math.abs(ref[i])),
                                "decay " + decay + " step " + step + " element " + i);
                    }
                }
                assertEquals(3, opt.steps("w"));
            }
        }
    }

    private static long[][] windows(long seed, int count, int length) {
        Random r = new Random(seed);
        long[][] w = new long[count][length];
        for (long[] row : w) {
            for (int i = 0; i < length; i++) {
                row[i] = r.nextInt(256);
            }
        }
        return w;
    }

    private static final LkdConfig QUICK = new LkdConfig("last", 6, 2, AdamW.Settings.torch(2e-4, 1e-5));

    @Test
    void trainingLowersTheLossAndTheDeployedLayerFollows() {
        FakeQuantRecipe recipe = FakeQuantRecipe.zeroquant("w4a8");
        long[][] win = windows(11, 4, 24);
        try (Checkpoint ckpt = Checkpoint.open(GQA);
             LlamaModel teacher = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU)) {
            var result = LayerDistillation.train(teacher, WeightSource.of(ckpt), recipe, win, QUICK, (l, s, v) -> { });
            assertEquals(List.of(1), List.copyOf(result.losses().keySet()), "the last layer only");
            double[] loss = result.losses().get(1);
            assertEquals(6, loss.length);
            // steps 0 and 4 see the same batch (2 batches of 2 windows): training lowered its loss
            assertTrue(loss[4] < 0.97 * loss[0], "loss " + java.util.Arrays.toString(loss));
            assertEquals(2 + 7, result.tensors().size(), "two norms and seven weights of layer 1");
            // the deployed model (fake-quantized trained weights + the input hook) computes the student's layer:
            // its MSE to the teacher on the first batch is below the untrained ZeroQuant's
            double trained = layerMse(teacher, LayerDistillation.deploy(WeightSource.of(ckpt), recipe, result),
                    recipe, win);
            double untrained = layerMse(teacher, new MatrixOverrides(WeightSource.of(ckpt),
                    recipe.quantizeWeights(WeightSource.of(ckpt), 2)), recipe, win);
            assertTrue(trained < untrained, trained + " vs " + untrained);
            // the untrained deployed layer's MSE is the student's first loss (same numbers, same batch)
            assertEquals(loss[0], untrained, 1e-6 * loss[0]);
        }
    }

    /** Mean over the first two windows of the MSE of layer 1 of {@code source} (quantized inputs) to the teacher's. */
    private static double layerMse(LlamaModel teacher, WeightSource source, FakeQuantRecipe recipe, long[][] win) {
        try (LlamaModel q = LlamaModel.load(source, ComputeDevice.CPU);
             var hook = q.addHook(new ActivationQuantHook(recipe.activations().orElseThrow().quantizer()));
             var scope = new ai.djl.ndarray.NDScope()) {
            double sum = 0;
            for (int w = 0; w < 2; w++) {
                var pos = teacher.positions(0, win[w].length);
                NDArray x = teacher.block(0, teacher.embed(win[w]), pos);
                float[] want = teacher.block(1, x, pos).toFloatArray();
                float[] got = q.block(1, x, pos).toFloatArray();
                double s = 0;
                for (int i = 0; i < want.length; i++) {
                    s += (got[i] - want[i]) * (double) (got[i] - want[i]);
                }
                sum += s / want.length;
            }
            return sum / 2;
        }
    }

    @Test
    void seededWindowsMakeItReproducible() {
        FakeQuantRecipe recipe = FakeQuantRecipe.zeroquant("qli-g16");
        LkdConfig c = new LkdConfig("0", 12, 2, AdamW.Settings.torch(1e-3, 1e-5));
        // garbage collections during training change nothing (reading the inputs into Java once made them matter)
        LayerDistillation.Progress gc = (l, s, v) -> System.gc();
        try (Checkpoint ckpt = Checkpoint.open(GQA);
             LlamaModel teacher = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU)) {
            Map<String, float[]> a = LayerDistillation.train(teacher, WeightSource.of(ckpt), recipe,
                    windows(5, 2, 16), c, gc).tensors();
            Map<String, float[]> b = LayerDistillation.train(teacher, WeightSource.of(ckpt), recipe,
                    windows(5, 2, 16), c, (l, s, v) -> { }).tensors();
            Map<String, float[]> other = LayerDistillation.train(teacher, WeightSource.of(ckpt), recipe,
                    windows(6, 2, 16), c, (l, s, v) -> { }).tensors();
            // without the teacher cache (recomputed every step, as qllm-infer): the same weights
            Map<String, float[]> uncached = LayerDistillation.train(teacher, WeightSource.of(ckpt), recipe,
                    windows(5, 2, 16), new LkdConfig("0", 3, 1, c.optimizer()), (l, s, v) -> { }, 0).tensors();
            Map<String, float[]> cachedRun = LayerDistillation.train(teacher, WeightSource.of(ckpt), recipe,
                    windows(5, 2, 16), new LkdConfig("0", 3, 1, c.optimizer()), (l, s, v) -> { }).tensors();
            for (String n : uncached.keySet()) {
                assertArrayEquals(uncached.get(n), cachedRun.get(n), n + ": cached teacher, same weights");
            }
            String q = "model.layers.0.self_attn.q_proj.weight";
            assertEquals(a.keySet(), b.keySet());
            for (String n : a.keySet()) {
                assertArrayEquals(a.get(n), b.get(n), n + ": same seed, same weights");
            }
            assertFalse(java.util.Arrays.equals(a.get(q), other.get(q)), "other windows train otherwise");
            assertFalse(java.util.Arrays.equals(a.get(q), ckpt.tensor(q).data()), "training moved the weight");
        }
    }

    @Test
    void badLayerListsAreRefused() {
        assertEquals(List.of(0, 1), new LkdConfig("all", 1, 1, QUICK.optimizer()).layerIndices(2));
        assertEquals(List.of(1), new LkdConfig("-1", 1, 1, QUICK.optimizer()).layerIndices(2));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new LkdConfig("2", 1, 1, QUICK.optimizer()).layerIndices(2));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new LkdConfig("first", 1, 1, QUICK.optimizer()));
        org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> new LkdConfig("last", 0, 1, QUICK.optimizer()));
    }
}
