package org.lmqt.quant;

/**
 * Integer codes of a fake-quantized weight: a code per weight (at most 8 bits, one byte each) and a float32 step
 * (and, for the min-max form, a float32 zero point) per group of consecutive row-major weights. Weight {@code i} of
 * group {@code g} is {@code code[i] * step[g]} (symmetric, signed codes) or {@code step[g] * (code[i] - zero[g])}
 * (qllm-infer's asymmetric min-max, unsigned codes): the expressions the references compute, so the values rebuilt
 * from the codes equal the fake-quantized ones (bit for bit, but for the sign of a zero).
 *
 * @param bits   bits per code (2..8)
 * @param codes  one code per weight, row-major
 * @param steps  one step per group
 * @param zeros  one zero point per group for the min-max form; empty for the symmetric form
 */
public record IntCodes(int bits, byte[] codes, float[] steps, float[] zeros) {

    public IntCodes {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("integer codes take 2..8 bits, got " + bits);
        }
        if (steps.length == 0 || codes.length % steps.length != 0) {
            throw new IllegalArgumentException(codes.length + " codes do not split into " + steps.length + " groups");
        }
        if (zeros.length != 0 && zeros.length != steps.length) {
            throw new IllegalArgumentException(zeros.length + " zero points for " + steps.length + " groups");
        }
    }

    /** Symmetric codes ({@code code * step}). */
    public IntCodes(int bits, byte[] codes, float[] steps) {
        this(bits, codes, steps, new float[0]);
    }

    /** True for the min-max form ({@code step * (code - zero)}, unsigned codes). */
    public boolean minMax() {
        return zeros.length > 0;
    }

    /**
     * qllm-infer's asymmetric min-max codes of {@code w} per row of {@code cols} ({@code MinMaxQuantizer} with
     * {@code sym = false}): range {@code [min(x_min, 0), max(x_max, 0)]} ({@code [-1, 1]} when both are 0),
     * {@code step = (max - min) / (2^b - 1)}, {@code zero = round(-min / step)},
     * {@code code = clamp(round(x / step) + zero, 0, 2^b - 1)}.
     */
    public static IntCodes minMax(float[] w, int cols, int bits) {
        if (cols <= 0 || w.length % cols != 0) {
            throw new IllegalArgumentException(w.length + " weights are not rows of " + cols);
        }
        int rows = w.length / cols;
        float maxq = (float) ((1L << bits) - 1);
        byte[] codes = new byte[w.length];
        float[] steps = new float[rows];
        float[] zeros = new float[rows];
        for (int r = 0; r < rows; r++) {
            // the row's range, zero included
            float lo = 0f;
            float hi = 0f;
            for (int i = r * cols; i < (r + 1) * cols; i++) {
                lo = Math.min(lo, w[i]);
                hi = Math.max(hi, w[i]);
            }
            if (lo == 0f && hi == 0f) {
                lo = -1f;
                hi = 1f;
            }
            // step, zero point and codes
            float step = (hi - lo) / maxq;
            float zero = (float) Math.rint(-lo / step);
            steps[r] = step;
            zeros[r] = zero;
            for (int i = r * cols; i < (r + 1) * cols; i++) {
                codes[i] = (byte) (int) Math.min(Math.max((float) Math.rint(w[i] / step) + zero, 0f), maxq);
            }
        }
        return new IntCodes(bits, codes, steps, zeros);
    }

    /** The step rule of the symmetric quantizers. */
    public enum Rule {
        /** SmoothQuant's absmax int8: {@code step = max(max|w|, 1e-5) / 127}, no clamp. */
        ABSMAX_127,
        /** DeepSpeed's {@code SymQuantizer}: {@code step = 2 max|w| / 2^b}, codes clamped to [-2^(b-1), 2^(b-1)-1]. */
        DEEPSPEED
    }

    /** The codes of {@code w} cut row-major into {@code groups} groups, as {@code rule} quantizes them. */
    public static IntCodes symmetric(float[] w, int groups, int bits, Rule rule) {
        if (groups <= 0 || w.length % groups != 0) {
            throw new IllegalArgumentException(w.length + " weights do not split into " + groups + " groups");
        }
        int n = w.length / groups;
        byte[] codes = new byte[w.length];
        float[] steps = new float[groups];
        float qRange = (float) (1L << bits);
        for (int g = 0; g < groups; g++) {
            // the group's step
            float max = 0f;
            for (int i = g * n; i < (g + 1) * n; i++) {
                max = Math.max(max, Math.abs(w[i]));
            }
            float step = rule == Rule.ABSMAX_127 ? Math.max(max, 1e-5f) / 127f : 2f * max / qRange;
            steps[g] = step;
            // round half to even (and DeepSpeed's clamp)
            for (int i = g * n; i < (g + 1) * n; i++) {
                float q = (float) Math.rint(w[i] / step);
                if (rule == Rule.DEEPSPEED) {
                    q = Math.min(Math.max(q, -qRange / 2), qRange / 2 - 1);
                }
                codes[i] = (byte) q;
            }
        }
        return new IntCodes(bits, codes, steps);
    }

    /**
     * True when the codes stand for exactly {@code values} (as numbers: a rounded {@code -0.0} is the code 0, which
     * rebuilds {@code +0.0}; a NaN, DeepSpeed's all-zero group, has no code).
     */
    public boolean rebuilds(float[] values) {
        float[] mine = values();
        if (mine.length != values.length) {
            return false;
        }
        for (int i = 0; i < mine.length; i++) {
            if (mine[i] != values[i]) {
                return false;
            }
        }
        return true;
    }

    /** The weights the codes stand for: {@code code * step}, or {@code step * (code - zero)} (unsigned codes). */
    public float[] values() {
        int n = codes.length / steps.length;
        float[] out = new float[codes.length];
        for (int i = 0; i < codes.length; i++) {
            out[i] = minMax() ? steps[i / n] * ((float) (codes[i] & 0xff) - zeros[i / n])
                    : (float) codes[i] * steps[i / n];
        }
        return out;
    }
}
