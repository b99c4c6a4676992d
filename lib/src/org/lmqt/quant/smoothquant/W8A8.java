package org.lmqt.quant.smoothquant;

/**
 * SmoothQuant's W8A8 fake quantization ({@code fake_quant.py}; act-kv-methods-spec §1.3), in float32: symmetric
 * absmax int8 with {@code step = max(max|x|, 1e-5) / 127}, {@code round(x / step) * step} (half to even, no clamp:
 * |x / step| ≤ 127 by construction), and torch-int's static per-tensor activations
 * {@code clamp(round(x / s), -128, 127) * s}. Every function returns a new array.
 */
public final class W8A8 {
    private W8A8() {}

    /** {@code 2^(8-1) - 1}. */
    private static final float Q_MAX = 127f;

    /** {@code quantize_weight_per_channel_absmax}: one step per output row of {@code w [rows, cols]}. */
    public static float[] weightPerChannel(float[] w, int cols) {
        return perRow(w, cols);
    }

    /** {@code quantize_weight_per_tensor_absmax}: one step for the whole matrix. */
    public static float[] weightPerTensor(float[] w) {
        return perRow(w, w.length);
    }

    /** {@code quantize_activation_per_token_absmax}: one step per token of {@code x [tokens, features]}. */
    public static float[] activationPerToken(float[] x, int features) {
        return perRow(x, features);
    }

    /** {@code quantize_activation_per_tensor_absmax}: one dynamic step for all tokens of the call. */
    public static float[] activationPerTensor(float[] x) {
        return perRow(x, x.length);
    }

    /** Static per-tensor int8 with a calibrated step (torch-int semantics: values beyond the range saturate). */
    public static float[] activationStatic(float[] x, float step) {
        float[] out = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            out[i] = Math.min(Math.max((float) Math.rint(x[i] / step), -128f), 127f) * step;
        }
        return out;
    }

    /** The static step of a calibrated range: {@code max|x| / 127} (a Python float, stored as float32). */
    public static float staticStep(float calibratedMax) {
        return (float) (calibratedMax / 127.0);
    }

    private static float[] perRow(float[] x, int n) {
        if (n <= 0 || x.length % n != 0) {
            throw new IllegalArgumentException(x.length + " values are not rows of " + n);
        }
        float[] out = new float[x.length];
        for (int start = 0; start < x.length; start += n) {
            // step from the row's max |x|
            float max = 0f;
            for (int i = start; i < start + n; i++) {
                max = Math.max(max, Math.abs(x[i]));
            }
            float step = Math.max(max, 1e-5f) / Q_MAX;
            // round half to even
            for (int i = start; i < start + n; i++) {
                out[i] = (float) Math.rint(x[i] / step) * step;
            }
        }
        return out;
    }
}
