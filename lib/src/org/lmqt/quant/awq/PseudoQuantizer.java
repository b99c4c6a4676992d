package org.lmqt.quant.awq;

/**
 * {@code pseudo_quantize_tensor(w, n_bit, zero_point, q_group_size)} as both references compute it in float32
 * (calib-methods-spec §3.1): groups of {@code g} consecutive inputs of a row, in exactly the reference's order of
 * operations (the zero of a symmetric-looking group, 7 or 8, depends on it).
 */
public final class PseudoQuantizer {
    private PseudoQuantizer() {}

    /** Quantizes {@code w [out, in]} into codes, scales and zeros. */
    public static AwqMatrix quantize(float[] w, int out, int in, int bits, int group, boolean zeroPoint) {
        check(w, out, in, group);
        byte[] codes = new byte[out * in];                       // [out, in]
        float[] scales = new float[out * (in / group)];          // [out, in/g]
        float[] zeros = new float[scales.length];                // [out, in/g]
        run(w, bits, group, zeroPoint, null, codes, scales, zeros);
        return new AwqMatrix(new int[] {out, in}, bits, group, codes, scales, zeros);
    }

    /** The pseudo-quantized weight {@code [out, in]} alone (what the searches compare). */
    public static float[] dequantized(float[] w, int out, int in, int bits, int group, boolean zeroPoint) {
        check(w, out, in, group);
        float[] q = new float[w.length];                         // [out, in]
        run(w, bits, group, zeroPoint, q, null, null, null);
        return q;
    }

    private static void check(float[] w, int out, int in, int group) {
        if (out <= 0 || in <= 0 || (long) out * in != w.length || group <= 0 || in % group != 0) {
            throw new IllegalArgumentException("cannot quantize " + w.length + " values as [" + out + ", " + in
                    + "] in groups of " + group + " (the input width must be a multiple of the group)");
        }
    }

    /** Every group of {@code w}; fills whichever of {@code deq}, {@code codes}, {@code scales}, {@code zeros} is given. */
    private static void run(float[] w, int bits, int group, boolean zeroPoint, float[] deq, byte[] codes,
                            float[] scales, float[] zeros) {
        for (int k = 0, off = 0; off < w.length; k++, off += group) {
            float scale;
            float zero;
            float lo;
            float hi;
            if (zeroPoint) {
                // max, min; scale = max(mx - mn, 1e-5) / (2^b - 1); zero = clamp(-round(mn / scale), 0, 2^b - 1)
                float mx = Float.NEGATIVE_INFINITY;
                float mn = Float.POSITIVE_INFINITY;
                for (int i = off; i < off + group; i++) {
                    mx = Math.max(mx, w[i]);
                    mn = Math.min(mn, w[i]);
                }
                int maxInt = (1 << bits) - 1;
                scale = Awq.clampMin(mx - mn, 1e-5f) / maxInt;
                zero = clamp(-(float) Math.rint(mn / scale), 0f, maxInt);
                lo = 0f;
                hi = maxInt;
            } else {
                // AutoAWQ's symmetric branch: scale = max(max |w|, 1e-5) / (2^(b-1) - 1), values in [-2^(b-1), 2^(b-1)-1]
                float amax = 0f;
                for (int i = off; i < off + group; i++) {
                    amax = Math.max(amax, Math.abs(w[i]));
                }
                scale = Awq.clampMin(amax, 1e-5f) / ((1 << (bits - 1)) - 1);
                zero = 0f;
                lo = -(1 << (bits - 1));
                hi = (1 << (bits - 1)) - 1;
            }
            // q = clamp(round(w / scale) + zero, lo, hi); dequantized (q - zero) * scale
            for (int i = off; i < off + group; i++) {
                float q = clamp((float) Math.rint(w[i] / scale) + zero, lo, hi);
                if (deq != null) {
                    deq[i] = (q - zero) * scale;
                }
                if (codes != null) {
                    codes[i] = (byte) (zeroPoint ? (int) q : (int) q + (1 << (bits - 1)));
                }
            }
            if (scales != null) {
                scales[k] = scale;
                zeros[k] = zeroPoint ? zero : 1 << (bits - 1);
            }
        }
    }

    /** torch's {@code clamp}: {@code min(max(v, lo), hi)} keeping {@code -0.0} when {@code lo = 0}. */
    private static float clamp(float v, float lo, float hi) {
        float m = Awq.clampMin(v, lo);
        return m > hi ? hi : m;
    }
}
