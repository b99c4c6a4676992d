package org.lmqt.quant.smoothquant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.checkpoint.SafetensorsFile;

/**
 * SmoothQuant (calibration, smoothing, W8A8 per-token / per-tensor / static) and qllm-infer's asymmetric variant
 * against fixtures/smoothquant, on the fixture's one-layer model ({@link OneLayerModel}).
 */
class SmoothQuantGoldenTest {
    private static final List<String> LINEARS = List.of("q", "k", "v", "o", "gate", "up", "down");
    private static final List<String> SMOOTHED = List.of("q", "k", "v", "gate", "up");
    private static final int SEQ_LEN = 20;

    private static SafetensorsFile in;
    private static SafetensorsFile expected;
    private static Map<String, float[]> weights;
    private static List<float[]> calib;

    @BeforeAll
    static void open() {
        in = SafetensorsFile.open(TestData.shared("fixtures/smoothquant/inputs.safetensors"));
        expected = SafetensorsFile.open(TestData.shared("fixtures/smoothquant/expected.safetensors"));
        weights = new HashMap<>();
        for (String n : List.of("q", "k", "v", "o", "gate", "up", "down", "ln1", "ln2")) {
            weights.put(n, in.tensor(n + ".weight").data());
        }
        calib = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            float[] c = in.tensor("calib." + i).data();
            calib.add(Arrays.copyOf(c, Math.min(c.length, SEQ_LEN * OneLayerModel.H))); // truncated to seq_len
        }
    }

    @AfterAll
    static void close() {
        in.close();
        expected.close();
    }

    /** get_act_scales on a model: per linear, the running max |x| per input channel over the calibration set. */
    private static Map<String, ActScales> calibrate(Map<String, float[]> w) {
        Map<String, ActScales> scales = new LinkedHashMap<>();
        OneLayerModel m = new OneLayerModel(w, (name, x, f) -> x, false);
        for (float[] c : calib) {
            m.forward(c);
            for (String lin : LINEARS) {
                float[] x = m.recorded.get(lin + ".x");
                scales.computeIfAbsent(lin, l -> new ActScales(x.length / (c.length / OneLayerModel.H))).update(x);
            }
        }
        return scales;
    }

    /** The smoothed weights at {@code alpha} (q..up columns scaled, norms divided), from lmqt's own act scales. */
    private static Map<String, float[]> smooth(double alpha, Map<String, ActScales> scales) {
        Smoothing attn = Smoothing.of(scales.get("q").values(),
                List.of(weights.get("q"), weights.get("k"), weights.get("v")), alpha);
        Smoothing mlp = Smoothing.of(scales.get("gate").values(), List.of(weights.get("gate"), weights.get("up")), alpha);
        Map<String, float[]> s = new HashMap<>(weights);
        s.put("ln1", attn.smoothNorm(weights.get("ln1")));
        s.put("ln2", mlp.smoothNorm(weights.get("ln2")));
        for (String l : List.of("q", "k", "v")) {
            s.put(l, attn.smoothLinear(weights.get(l)));
        }
        for (String l : List.of("gate", "up")) {
            s.put(l, mlp.smoothLinear(weights.get(l)));
        }
        s.put("s_attn", attn.factors());
        s.put("s_mlp", mlp.factors());
        s.put("weight_scales_attn", attn.weightScales());
        s.put("weight_scales_mlp", mlp.weightScales());
        return s;
    }

    @Test
    void activationScalesSmoothingFactorsAndSmoothedWeights() {
        Map<String, ActScales> scales = calibrate(weights);
        for (String lin : LINEARS) {
            assertRelative("act_scales." + lin, scales.get(lin).values(), 5e-7);
        }
        for (double alpha : new double[] {0.5, 0.85}) {
            String p = "a" + alpha + ".";
            Map<String, float[]> s = smooth(alpha, scales);
            for (String n : List.of("s_attn", "s_mlp", "weight_scales_attn", "weight_scales_mlp")) {
                assertRelative(p + n, s.get(n), 5e-7);
            }
            assertRelative(p + "ln1.smoothed", s.get("ln1"), 5e-7);
            assertRelative(p + "ln2.smoothed", s.get("ln2"), 5e-7);
            for (String l : SMOOTHED) {
                assertRelative(p + l + ".smoothed", s.get(l), 5e-7);
            }
        }
    }

    @Test
    void weightCodesAreBitExactGivenTheSmoothedWeights() {
        for (String prefix : List.of("a0.5.", "a0.85.")) {
            for (String lin : LINEARS) {
                float[] w = smoothedReference(prefix, lin);
                int cols = lin.equals("down") ? OneLayerModel.I : OneLayerModel.H;
                assertBitExact(prefix + lin + ".wq_pc", W8A8.weightPerChannel(w, cols));
                assertBitExact(prefix + lin + ".wq_ptensor", W8A8.weightPerTensor(w));
            }
        }
        for (String lin : LINEARS) {
            int cols = lin.equals("down") ? OneLayerModel.I : OneLayerModel.H;
            assertBitExact("qllm_a0.5." + lin + ".wq",
                    new MinMaxQuantizer(8, false).fakeQuantize(smoothedReference("a0.5.", lin), cols));
        }
    }

    /** The fixture's smoothed weight (o and down are not smoothed: the original). */
    private static float[] smoothedReference(String prefix, String lin) {
        return SMOOTHED.contains(lin) ? expected.tensor(prefix + lin + ".smoothed").data() : weights.get(lin);
    }

    @Test
    void eachLinearInIsolation() {
        for (String prefix : List.of("a0.5.", "a0.85.")) {
            for (String lin : LINEARS) {
                int f = lin.equals("down") ? OneLayerModel.I : OneLayerModel.H;
                String t = prefix + "pc_ptok." + lin;
                float[] x = expected.tensor(t + ".x").data();
                assertBitExact(t + ".xq", W8A8.activationPerToken(x, f));
                assertNormwise(t + ".y", matmul(expected.tensor(t + ".xq").data(),
                        expected.tensor(prefix + lin + ".wq_pc").data(), f), 1e-6);
                t = prefix + "pc_ptensor." + lin;
                assertBitExact(t + ".xq", W8A8.activationPerTensor(expected.tensor(t + ".x").data()));
                assertNormwise(t + ".y", matmul(expected.tensor(t + ".xq").data(),
                        expected.tensor(prefix + lin + ".wq_pc").data(), f), 1e-6);
                t = prefix + "static." + lin;
                float step = expected.tensor(t + ".s_in").data()[0];
                assertBitExact(t + ".xq", W8A8.activationStatic(expected.tensor(t + ".x").data(), step));
                assertNormwise(t + ".y", matmul(expected.tensor(t + ".xq").data(),
                        expected.tensor(prefix + lin + ".wq_ptensor").data(), f), 1e-6);
            }
        }
        for (String lin : LINEARS) {
            int f = lin.equals("down") ? OneLayerModel.I : OneLayerModel.H;
            String t = "qllm_a0.5." + lin;
            assertBitExact(t + ".xq", new MinMaxQuantizer(8, false).fakeQuantize(expected.tensor(t + ".x").data(), f));
            assertNormwise(t + ".y", matmul(expected.tensor(t + ".xq").data(), expected.tensor(t + ".wq").data(), f),
                    1e-6);
        }
    }

    @Test
    void wholeLayerFromTheInputs() {
        Map<String, ActScales> scales = calibrate(weights);
        float[] test = in.tensor("test").data();
        for (double alpha : new double[] {0.5, 0.85}) {
            String p = "a" + alpha + ".";
            Map<String, float[]> smoothed = smooth(alpha, scales);
            // per-channel weights with per-token and with per-tensor dynamic activations (in place, as the reference)
            Map<String, float[]> pc = quantizeWeights(smoothed, true);
            checkRun(p + "pc_ptok.", new OneLayerModel(pc, (n, x, f) -> W8A8.activationPerToken(x, f), true), test);
            checkRun(p + "pc_ptensor.", new OneLayerModel(pc, (n, x, f) -> W8A8.activationPerTensor(x), true), test);
            // static: steps from the smoothed float model on the calibration set, per-tensor weights
            Map<String, ActScales> smoothedScales = calibrate(smoothed);
            Map<String, Float> steps = new HashMap<>();
            for (String lin : LINEARS) {
                steps.put(lin, W8A8.staticStep(smoothedScales.get(lin).tensorMax()));
                assertRelative(p + "static." + lin + ".s_in", new float[] {steps.get(lin)}, 5e-7);
            }
            // (torch-int quantizes the norm output once for q, k and v: no in-place re-quantization here)
            checkRun(p + "static.", new OneLayerModel(quantizeWeights(smoothed, false),
                    (n, x, f) -> W8A8.activationStatic(x, steps.get(n)), false), test);
        }
        // qllm-infer: asymmetric min-max int8 weights per row and activations per token
        Map<String, float[]> smoothed = smooth(0.5, scales);
        Map<String, float[]> wq = new HashMap<>(smoothed);
        MinMaxQuantizer asym = new MinMaxQuantizer(8, false);
        for (String lin : LINEARS) {
            wq.put(lin, asym.fakeQuantize(smoothed.get(lin), lin.equals("down") ? OneLayerModel.I : OneLayerModel.H));
        }
        checkRun("qllm_a0.5.", new OneLayerModel(wq, (n, x, f) -> asym.fakeQuantize(x, f), false), test);
    }

    @Test
    void alphaOutsideTheUnitIntervalIsRefused() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> Smoothing.of(new float[] {1}, List.of(new float[] {1}), 1.5));
        assertTrue(e.getMessage().contains("[0, 1]"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Smoothing.checkAlpha(-0.1));
        assertThrows(IllegalArgumentException.class, () -> Smoothing.checkAlpha(Double.NaN));
        // degenerate: a zero activation channel gets the clamp 1e-5
        Smoothing s = Smoothing.of(new float[] {0f, 4f}, List.of(new float[] {1f, 1f}), 0.5);
        assertEquals(1e-5f, s.factors()[0]);
        assertEquals(2f, s.factors()[1]);
    }

    private static Map<String, float[]> quantizeWeights(Map<String, float[]> smoothed, boolean perChannel) {
        Map<String, float[]> q = new HashMap<>(smoothed);
        for (String lin : LINEARS) {
            int cols = lin.equals("down") ? OneLayerModel.I : OneLayerModel.H;
            q.put(lin, perChannel ? W8A8.weightPerChannel(smoothed.get(lin), cols) : W8A8.weightPerTensor(smoothed.get(lin)));
        }
        return q;
    }

    /**
     * Every recorded tensor of a whole-layer run: within 1e-6 normwise, with no element off by more than 1e-5 of
     * max|reference| (a one-step code flip) — the README's bound for whole-layer chains allows isolated flips, and
     * this implementation reaches none.
     */
    private static void checkRun(String prefix, OneLayerModel model, float[] test) {
        float[] out = model.forward(test);
        for (String lin : LINEARS) {
            for (String part : List.of(".x", ".xq", ".y")) {
                assertChain(prefix + lin + part, model.recorded.get(lin + part));
            }
        }
        assertChain(prefix + "block_out", out);
    }

    private static float[] matmul(float[] x, float[] w, int in) {
        int t = x.length / in;
        int out = w.length / in;
        float[] y = new float[t * out];
        for (int r = 0; r < t; r++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) {
                    s += (double) x[r * in + i] * w[o * in + i];
                }
                y[r * out + o] = (float) s;
            }
        }
        return y;
    }

    static final List<String> REPORT = new ArrayList<>();

    private static void assertChain(String name, float[] got) {
        float[] want = expected.tensor(name).data();
        double maxRef = maxAbs(want);
        double maxDiff = 0;
        int flips = 0;
        for (int i = 0; i < want.length; i++) {
            double d = Math.abs((double) got[i] - want[i]);
            maxDiff = Math.max(maxDiff, d);
            flips += d > 1e-5 * maxRef ? 1 : 0;
        }
        assertEquals(0, flips, name + ": flipped elements (normwise " + maxDiff / maxRef + ")");
        assertTrue(maxDiff / maxRef <= 1e-6, name + ": normwise " + maxDiff / maxRef);
    }

    /** max|got - want| <= tol * max|want| (tolerance.csv's normwise spread). */
    private static void assertRelative(String name, float[] got, double tol) {
        float[] want = expected.tensor(name).data();
        assertEquals(want.length, got.length, name);
        double maxDiff = 0;
        for (int i = 0; i < want.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) got[i] - want[i]));
        }
        assertTrue(maxDiff <= tol * maxAbs(want), name + ": normwise " + maxDiff / maxAbs(want));
    }

    private static void assertBitExact(String name, float[] got) {
        float[] want = expected.tensor(name).data();
        assertEquals(want.length, got.length, name);
        int diff = 0;
        int first = -1;
        for (int i = 0; i < want.length; i++) {
            if (got[i] != want[i]) {
                diff++;
                first = first < 0 ? i : first;
            }
        }
        assertEquals(0, diff, name + ": differing, first at " + first
                + (first >= 0 ? " got " + got[first] + " want " + want[first] : ""));
    }

    private static void assertNormwise(String name, float[] got, double tol) {
        float[] want = expected.tensor(name).data();
        double maxDiff = 0;
        for (int i = 0; i < want.length; i++) {
            maxDiff = Math.max(maxDiff, Math.abs((double) got[i] - want[i]));
        }
        assertTrue(maxDiff / maxAbs(want) <= tol, name + ": normwise " + maxDiff / maxAbs(want));
    }

    private static double maxAbs(float[] a) {
        double m = 0;
        for (float v : a) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
