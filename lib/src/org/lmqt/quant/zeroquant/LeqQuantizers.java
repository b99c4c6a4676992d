package org.lmqt.quant.zeroquant;

/**
 * LLMEasyQuant's whole-tensor 8-bit quantizers (NoakLiu/LLMEasyQuant {@code EasyQuant/symquant.py},
 * {@code absmax.py}, {@code zeropoint.py}; act-kv-methods-spec §4.3), in float32. LLMEasyQuant's "ZeroQuant"
 * amounts to {@link #symQuantize8bit} of every parameter of layers 1..L-1 (its distillation step trains nothing).
 */
public final class LeqQuantizers {
    private LeqQuantizers() {}

    /**
     * Codes and dequantized values.
     *
     * @param codes int8 codes, one per element
     * @param dequantized the dequantized values
     */
    public record Result(byte[] codes, float[] dequantized) {}

    /**
     * {@code sym_quantize_8bit}: {@code step = max|X| / 127.5}, {@code q = clamp(round(X / step), -128, 127)},
     * {@code dq = q step} (the maximum maps to 127.5, rounds to 128 and saturates to 127).
     */
    public static Result symQuantize8bit(float[] x) {
        float step = absMax(x) / 127.5f;
        byte[] q = new byte[x.length];
        float[] dq = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float c = Math.min(Math.max((float) Math.rint(x[i] / step), -128f), 127f);
            q[i] = (byte) c;
            dq[i] = c * step;
        }
        return new Result(q, dq);
    }

    /**
     * {@code absmax_quantize}: {@code scale = 127 / max|X|}, {@code q = round(scale X)} (no clamp),
     * {@code dq = q / scale}; an all-zero tensor gives NaN.
     */
    public static Result absmaxQuantize(float[] x) {
        float scale = 127f / absMax(x);
        byte[] q = new byte[x.length];
        float[] dq = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float c = (float) Math.rint(scale * x[i]);
            q[i] = (byte) c;
            dq[i] = c / scale;
        }
        return new Result(q, dq);
    }

    /**
     * {@code zeropoint_quantize}: {@code scale = 255 / (max - min)} (a zero range counts as 1),
     * {@code zp = round(-scale min - 128)}, {@code q = clamp(round(X scale + zp), -128, 127)},
     * {@code dq = (q - zp) / scale}.
     */
    public static Result zeropointQuantize(float[] x) {
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (float v : x) {
            min = Math.min(min, v);
            max = Math.max(max, v);
        }
        float range = max - min;
        range = range == 0f ? 1f : range;
        float scale = 255f / range;
        float zp = (float) Math.rint(-scale * min - 128f);
        byte[] q = new byte[x.length];
        float[] dq = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            float c = Math.min(Math.max((float) Math.rint(x[i] * scale + zp), -128f), 127f);
            q[i] = (byte) c;
            dq[i] = (c - zp) / scale;
        }
        return new Result(q, dq);
    }

    private static float absMax(float[] x) {
        float m = 0f;
        for (float v : x) {
            m = Math.max(m, Math.abs(v));
        }
        return m;
    }
}
