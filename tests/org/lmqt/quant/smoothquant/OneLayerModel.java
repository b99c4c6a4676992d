package org.lmqt.quant.smoothquant;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fixture's one Llama-style decoder layer in float32 (fixtures/smoothquant/README: H 48, I 64, one head of
 * width 48, causal, no RoPE, no biases, RMSNorm eps 1e-6): weights by name ({@code q}, ..., {@code down},
 * {@code ln1}, {@code ln2}), each linear's input passed through {@link InputQuantizer} first, and every linear's
 * input, quantized input and output recorded.
 */
final class OneLayerModel {
    static final int H = 48;
    static final int I = 64;

    /** How a linear's input is fake-quantized ({@code features} per token). */
    interface InputQuantizer {
        float[] apply(String linear, float[] x, int features);
    }

    private final Map<String, float[]> w;
    private final InputQuantizer quantizer;
    private final boolean inPlace;
    /** name.x, name.xq, name.y of the last forward. */
    final Map<String, float[]> recorded = new LinkedHashMap<>();

    /**
     * @param inPlace the reference's in-place quirk: q's (gate's) quantized input replaces the shared input that
     *                k and v (up) then quantize again
     */
    OneLayerModel(Map<String, float[]> weights, InputQuantizer quantizer, boolean inPlace) {
        this.w = weights;
        this.quantizer = quantizer;
        this.inPlace = inPlace;
    }

    /** {@code x [T, H] -> [T, H]}. */
    float[] forward(float[] x) {
        int t = x.length / H;
        // attention: shared normed input for q, k, v
        float[][] shared = {rms(x, w.get("ln1"))};                                 // [T, H]
        float[] q = linear("q", shared, H, H);
        float[] k = linear("k", shared, H, H);
        float[] v = linear("v", shared, H, H);
        float[] a = attention(q, k, v, t);                                          // [T, H]
        float[] o = linear("o", new float[][] {a}, H, H);
        float[] x2 = add(x, o);                                                     // [T, H]
        // MLP: shared normed input for gate and up
        float[][] shared2 = {rms(x2, w.get("ln2"))};
        float[] g = linear("gate", shared2, H, I);                                  // [T, I]
        float[] u = linear("up", shared2, H, I);
        float[] m = new float[g.length];
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) (g[i] / (1 + Math.exp(-g[i]))) * u[i];                 // silu(g) * u
        }
        float[] d = linear("down", new float[][] {m}, I, H);
        return add(x2, d);
    }

    /** The linear {@code name} on {@code input[0] [T, in]} (replaced by its quantized version when in place). */
    private float[] linear(String name, float[][] input, int in, int out) {
        float[] x = input[0];
        float[] xq = quantizer.apply(name, x, in);
        if (inPlace) {
            input[0] = xq;
        }
        float[] wt = w.get(name);                                                   // [out, in]
        int t = x.length / in;
        float[] y = new float[t * out];                                             // [T, out]
        for (int r = 0; r < t; r++) {
            for (int o = 0; o < out; o++) {
                double s = 0;
                for (int i = 0; i < in; i++) {
                    s += (double) xq[r * in + i] * wt[o * in + i];
                }
                y[r * out + o] = (float) s;
            }
        }
        recorded.put(name + ".x", x);
        recorded.put(name + ".xq", xq);
        recorded.put(name + ".y", y);
        return y;
    }

    /** HF LlamaRMSNorm in float32: {@code w * (x * rsqrt(mean(x^2) + 1e-6))}. */
    static float[] rms(float[] x, float[] weight) {
        int n = weight.length;
        float[] out = new float[x.length];
        for (int r = 0; r < x.length / n; r++) {
            double ss = 0;
            for (int i = 0; i < n; i++) {
                ss += (double) x[r * n + i] * x[r * n + i];
            }
            float var = (float) (ss / n);
            float inv = (float) (1 / Math.sqrt(var + 1e-6f));
            for (int i = 0; i < n; i++) {
                out[r * n + i] = weight[i] * (x[r * n + i] * inv);
            }
        }
        return out;
    }

    /** Single-head causal softmax attention, scale 1/sqrt(48). */
    private static float[] attention(float[] q, float[] k, float[] v, int t) {
        float[] out = new float[t * H];
        double scale = 1 / Math.sqrt(H);
        for (int i = 0; i < t; i++) {
            double[] p = new double[i + 1];
            double max = Double.NEGATIVE_INFINITY;
            for (int j = 0; j <= i; j++) {
                double s = 0;
                for (int c = 0; c < H; c++) {
                    s += (double) q[i * H + c] * k[j * H + c];
                }
                p[j] = (float) ((float) s * scale);
                max = Math.max(max, p[j]);
            }
            double sum = 0;
            for (int j = 0; j <= i; j++) {
                p[j] = Math.exp(p[j] - max);
                sum += p[j];
            }
            for (int c = 0; c < H; c++) {
                double s = 0;
                for (int j = 0; j <= i; j++) {
                    s += (float) (p[j] / sum) * (double) v[j * H + c];
                }
                out[i * H + c] = (float) s;
            }
        }
        return out;
    }

    private static float[] add(float[] a, float[] b) {
        float[] out = new float[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = a[i] + b[i];
        }
        return out;
    }
}
