package org.lmqt.quant;

/**
 * Symmetric integer codes of a fake-quantized weight: a signed code per weight (at most 8 bits, one byte each) and
 * a float32 step per group of consecutive row-major weights; weight {@code i} is {@code code[i] * step[i / n]} with
 * {@code n = codes / groups}, the product the references compute ({@code round(w / step) * step}), so the values
 * rebuilt from the codes equal the fake-quantized ones bit for bit.
 *
 * @param bits   bits per code (2..8)
 * @param codes  one code per weight, row-major
 * @param steps  one step per group
 */
public record IntCodes(int bits, byte[] codes, float[] steps) {

    public IntCodes {
        if (bits < 2 || bits > 8) {
            throw new IllegalArgumentException("integer codes take 2..8 bits, got " + bits);
        }
        if (steps.length == 0 || codes.length % steps.length != 0) {
            throw new IllegalArgumentException(codes.length + " codes do not split into " + steps.length + " groups");
        }
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

    /** The weights the codes stand for, {@code code * step}. */
    public float[] values() {
        int n = codes.length / steps.length;
        float[] out = new float[codes.length];
        for (int i = 0; i < codes.length; i++) {
            out[i] = (float) codes[i] * steps[i / n];
        }
        return out;
    }
}
