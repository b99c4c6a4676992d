package org.lmqt.quant.smoothquant;

import java.util.List;

/**
 * SmoothQuant's smoothing factors and their folding (mit-han-lab/smoothquant {@code smooth.py}
 * {@code smooth_ln_fcs_llama_like}; act-kv-methods-spec §1.2), in float32 as the reference computes them in the
 * weight dtype. For a norm followed by linears {@code fcs} that read its output ({@code [out, in]} each, equal
 * {@code in}):
 * {@code wScale[c] = max(max over fcs and rows |W[:, c]|, 1e-5)},
 * {@code s[c] = max(actScale[c]^alpha / wScale[c]^(1 - alpha), 1e-5)}; then the norm weight is divided by s and
 * every fc column multiplied by it, so {@code norm(x) W^T} is unchanged.
 *
 * @param factors     {@code s [in]}
 * @param weightScales {@code wScale [in]}
 */
public record Smoothing(float[] factors, float[] weightScales) {

    /**
     * The factors for activation maxima {@code actScales [in]} and the linears {@code weights} (each
     * {@code [out_i, in]} row-major, {@code in = actScales.length}); {@code alpha} in [0, 1].
     */
    public static Smoothing of(float[] actScales, List<float[]> weights, double alpha) {
        checkAlpha(alpha);
        int in = actScales.length;
        // per input channel: the largest |w| over every fc's rows
        float[] wScale = new float[in];
        for (float[] w : weights) {
            if (w.length % in != 0) {
                throw new IllegalArgumentException(w.length + " weights are not rows of " + in);
            }
            for (int i = 0; i < w.length; i++) {
                wScale[i % in] = Math.max(wScale[i % in], Math.abs(w[i]));
            }
        }
        // s = act^alpha / w^(1 - alpha), clamped below at 1e-5 (both powers in float32)
        float a = (float) alpha;
        float b = (float) (1 - alpha);
        float[] s = new float[in];
        for (int c = 0; c < in; c++) {
            wScale[c] = Math.max(wScale[c], 1e-5f);
            s[c] = Math.max(pow(actScales[c], a) / pow(wScale[c], b), 1e-5f);
        }
        return new Smoothing(s, wScale);
    }

    /** A one-line error for an alpha outside [0, 1]. */
    public static void checkAlpha(double alpha) {
        if (!(alpha >= 0 && alpha <= 1)) {
            throw new IllegalArgumentException("SmoothQuant alpha must be in [0, 1], got " + alpha);
        }
    }

    /** torch's float32 {@code pow(x, e)}: {@code sqrt} for 0.5 (as torch special-cases it), else powf. */
    private static float pow(float x, float e) {
        if (e == 0.5f) {
            return (float) Math.sqrt(x);
        }
        if (e == 1f) {
            return x;
        }
        if (e == 0f) {
            return 1f;
        }
        return (float) Math.pow(x, e);
    }

    /** The norm weight divided by the factors, {@code [in]}. */
    public float[] smoothNorm(float[] normWeight) {
        float[] out = new float[normWeight.length];
        for (int c = 0; c < out.length; c++) {
            out[c] = normWeight[c] / factors[c];
        }
        return out;
    }

    /** A linear's weight {@code [out, in]} with every column multiplied by its factor. */
    public float[] smoothLinear(float[] w) {
        int in = factors.length;
        float[] out = new float[w.length];
        for (int i = 0; i < w.length; i++) {
            out[i] = w[i] * factors[i % in];
        }
        return out;
    }
}
