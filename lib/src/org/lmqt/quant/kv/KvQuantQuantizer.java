package org.lmqt.quant.kv;

import java.util.Arrays;

/**
 * KVQuant's simulated non-uniform quantization with dense-and-sparse outliers (SqueezeAI KVQuant
 * {@code quant_fn_nuq_recon}, as qllm-infer vendors it), on a projection output {@code [T, F]} (F = kv heads x
 * head_dim; keys before RoPE). For each value: {@code offset = (max + min) / 2}, {@code range = (max - min) / 2};
 * the offset-removed value divided by the range is rounded to the nearest codebook entry (first minimum on ties;
 * the codebook ascending) and scaled back; outliers keep their exact value; NaN/inf results become 0; the first
 * {@code firstFew} rows of the call stay exact. Keys: per channel, with the calibrated thresholds as the range and
 * the outliers {@code x < lower | x > upper}. Values: per token, dynamic: the token's 0.5/99.5 percentiles (linear
 * interpolation, as torch.quantile) mark the outliers {@code x <= lower | x >= upper} (inclusive: a token's own
 * maximum and minimum always are), and the range is the max/min of the token with the outliers replaced by its
 * median (torch.median: the lower middle value). Arithmetic in float32 (the reference casts the result to fp16).
 */
public final class KvQuantQuantizer {
    private KvQuantQuantizer() {}

    /** Keys {@code x [T, F]} per channel with calibrated thresholds {@code upper}, {@code lower} {@code [F]}. */
    public static float[] keys(float[] x, int t, int f, float[] upper, float[] lower, float[] codebook, int firstFew) {
        float[] out = new float[x.length];   // [T, F]
        for (int r = 0; r < t; r++) {
            for (int c = 0; c < f; c++) {
                int i = r * f + c;
                boolean outlier = x[i] < lower[c] || x[i] > upper[c];
                out[i] = reconstruct(x[i], (upper[c] + lower[c]) / 2, (upper[c] - lower[c]) / 2, outlier, codebook);
            }
        }
        keepFirstRows(x, out, t, f, firstFew);
        return out;
    }

    /** Values {@code x [T, F]} per token with dynamic thresholds at the {@code 1 - threshold} / {@code threshold} quantiles. */
    public static float[] values(float[] x, int t, int f, float[] codebook, double threshold, int firstFew) {
        float[] out = new float[x.length];   // [T, F]
        float[] row = new float[f];          // [F] sorted copy of one token
        boolean[] outlier = new boolean[f];  // [F]
        for (int r = 0; r < t; r++) {
            // the token's quantile thresholds and its median
            System.arraycopy(x, r * f, row, 0, f);
            Arrays.sort(row);
            float upper = quantile(row, threshold);
            float lower = quantile(row, 1 - threshold);
            float median = row[(f - 1) / 2];
            // range from the token with its outliers replaced by the median
            float mx = Float.NEGATIVE_INFINITY;
            float mn = Float.POSITIVE_INFINITY;
            for (int c = 0; c < f; c++) {
                float v = x[r * f + c];
                outlier[c] = v <= lower || v >= upper;
                float kept = outlier[c] ? median : v;
                mx = Math.max(mx, kept);
                mn = Math.min(mn, kept);
            }
            // reconstruct
            for (int c = 0; c < f; c++) {
                int i = r * f + c;
                out[i] = reconstruct(x[i], (mx + mn) / 2, (mx - mn) / 2, outlier[c], codebook);
            }
        }
        keepFirstRows(x, out, t, f, firstFew);
        return out;
    }

    /** Quantile {@code q} of ascending {@code sorted} with linear interpolation (torch.quantile, numpy percentile). */
    static float quantile(float[] sorted, double q) {
        double pos = q * (sorted.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        double frac = pos - lo;
        return (float) (sorted[lo] + frac * (sorted[hi] - sorted[lo]));
    }

    /** One value: outliers exact, the rest {@code offset + range * nearest(codebook, (x - offset) / range)}. */
    private static float reconstruct(float x, float offset, float range, boolean outlier, float[] codebook) {
        float v = x - offset;
        float q = outlier ? v : nearest(codebook, v / range) * range;
        float y = q + offset;
        return Float.isFinite(y) ? y : 0f;
    }

    /** The codebook entry nearest to {@code v} (the first on ties). */
    static float nearest(float[] codebook, float v) {
        float best = codebook[0];
        float bestDist = Math.abs(v - best);
        for (int j = 1; j < codebook.length; j++) {
            float d = Math.abs(v - codebook[j]);
            if (d < bestDist) {
                best = codebook[j];
                bestDist = d;
            }
        }
        return best;
    }

    private static void keepFirstRows(float[] x, float[] out, int t, int f, int firstFew) {
        System.arraycopy(x, 0, out, 0, Math.min(firstFew, t) * f);
    }
}
