package org.lmqt.quant.awq;

import org.lmqt.quant.CalibrationInputs;

/**
 * The clip search ({@code auto_clip_layer} / {@code _compute_best_clip}, calib-methods-spec §3.5) and
 * {@code apply_clip} for one linear on its (scaled) input features.
 */
final class ClipSearch {
    private ClipSearch() {}

    /**
     * The clip threshold per row and group, {@code [out, in/g]}: of the shrink steps {@code amax * (1 - i/20)},
     * {@code i = 0..9}, the first with the smallest output error on the sub-sampled tokens.
     *
     * @param w {@code [out, in]}
     * @param x {@code [n, in]}; tokens {@code 0, step, 2*step, ...} with {@code step = n / 512} (llm-awq; fails
     *          below 512 tokens) or {@code max(1, n / 512)} (AutoAWQ)
     */
    static float[] search(float[] w, int out, int in, CalibrationInputs x, AwqOptions o) {
        int g = o.group();
        int groups = in / g;
        int step = x.rows() / Awq.CLIP_TOKENS;
        if (step == 0) {
            if (o.flavour() == AwqOptions.Flavour.LLM_AWQ) {
                throw new IllegalArgumentException("llm-awq's clip search needs at least " + Awq.CLIP_TOKENS
                        + " tokens, not " + x.rows());
            }
            step = 1;
        }
        // the sub-sampled tokens [tokens, in]
        int tokens = (x.rows() + step - 1) / step;
        float[] xt = new float[tokens * in];                     // [tokens, in]
        for (int t = 0; t < tokens; t++) {
            System.arraycopy(x.values(), t * step * in, xt, t * in, in);
        }
        float[] best = new float[out * groups];                  // [out, groups]
        float[] row = new float[in];                             // [in] the clamped row
        double[] orgOut = new double[groups * tokens];           // [groups, tokens]
        double[] minErr = new double[groups];                    // [groups]
        for (int r = 0; r < out; r++) {
            int wo = r * in;
            // original group outputs Σ_group x * w and amax per group
            float[] amax = new float[groups];                    // [groups]
            for (int k = 0; k < groups; k++) {
                float a = 0f;
                for (int j = k * g; j < (k + 1) * g; j++) {
                    a = Math.max(a, Math.abs(w[wo + j]));
                }
                amax[k] = a;
                best[r * groups + k] = a;
                minErr[k] = 1e9;
                for (int t = 0; t < tokens; t++) {
                    orgOut[k * tokens + t] = groupDot(xt, t * in, w, wo, k * g, g);
                }
            }
            for (int i = 0; i < Awq.CLIP_STEPS; i++) {
                float shrink = (float) (1 - i / (double) (2 * Awq.CLIP_STEPS));
                // clamp each group to [-m, m], pseudo-quantize the row
                float[] m = new float[groups];                   // [groups]
                for (int k = 0; k < groups; k++) {
                    m[k] = amax[k] * shrink;
                    for (int j = k * g; j < (k + 1) * g; j++) {
                        row[j] = clamp(w[wo + j], -m[k], m[k]);
                    }
                }
                float[] q = PseudoQuantizer.dequantized(row, 1, in, o.bits(), g, o.zeroPoint());
                // error: mean over tokens of (Σ_group x * q - org)², strictly smaller keeps m
                for (int k = 0; k < groups; k++) {
                    double err = 0;
                    for (int t = 0; t < tokens; t++) {
                        double d = (float) groupDot(xt, t * in, q, 0, k * g, g) - (float) orgOut[k * tokens + t];
                        err += d * d;
                    }
                    err /= tokens;
                    if (err < minErr[k]) {
                        minErr[k] = err;
                        best[r * groups + k] = m[k];
                    }
                }
            }
        }
        return best;
    }

    /** {@code Σ_j x[xo + c0 + j] * w[wo + c0 + j]} over one group, in double. */
    private static double groupDot(float[] x, int xo, float[] w, int wo, int c0, int g) {
        double s = 0;
        for (int j = c0; j < c0 + g; j++) {
            s += (double) x[xo + j] * w[wo + j];
        }
        return s;
    }

    /** {@code apply_clip}: every group of {@code w [out, in]} clamped to {@code [-m, m]} of its threshold. */
    static float[] apply(float[] w, int in, int g, float[] clipMax) {
        int groups = in / g;
        float[] c = new float[w.length];                         // [out, in]
        for (int i = 0; i < w.length; i++) {
            float m = clipMax[(i / in) * groups + (i % in) / g];
            c[i] = clamp(w[i], -m, m);
        }
        return c;
    }

    /** torch's {@code clamp(v, lo, hi)}: {@code min(max(v, lo), hi)}. */
    private static float clamp(float v, float lo, float hi) {
        float a = v < lo ? lo : v;
        return a > hi ? hi : a;
    }
}
