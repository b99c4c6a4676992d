package org.lmqt.quant.zeroquant;

/**
 * DeepSpeed compression's {@code SymQuantizer} / {@code AsymQuantizer} ({@code deepspeed/compression/utils.py},
 * v0.16.0; act-kv-methods-spec §4.1), the quantizers of ZeroQuant as qllm-infer runs it, in float32.
 * The tensor is cut row-major into {@code numGroups} equal groups (a group can be a row, part of a row, or span
 * rows); per group:
 * <ul>
 *   <li>symmetric: {@code step = 2 max|x| / 2^b}, {@code clamp(round(x / step), -2^(b-1), 2^(b-1) - 1) * step}
 *   (2^b levels: +max saturates to {@code (2^(b-1) - 1) step}, −max is exact);</li>
 *   <li>asymmetric: {@code step = (max - min) / 2^b}, {@code zp = round(min / step) step},
 *   {@code clamp(round((x - zp) / step), 0, 2^b - 1) step + zp}.</li>
 * </ul>
 * As in the reference there is no epsilon: an all-zero group (symmetric) or a constant group (asymmetric) gives NaN.
 *
 * @param bits      bits per value
 * @param symmetric {@code SymQuantizer} when true, else {@code AsymQuantizer}
 */
public record DeepSpeedQuantizer(int bits, boolean symmetric) {

    public DeepSpeedQuantizer {
        if (bits < 2 || bits > 16) {
            throw new IllegalArgumentException("DeepSpeed's integer quantizers take 2..16 bits, got " + bits);
        }
    }

    /** The fake-quantized copy of {@code x}, cut row-major into {@code numGroups} groups. */
    public float[] fakeQuantize(float[] x, int numGroups) {
        if (numGroups <= 0 || x.length % numGroups != 0) {
            throw new IllegalArgumentException("cannot reshape " + x.length + " values into " + numGroups
                    + " groups (DeepSpeed's reshape(num_groups, -1))");
        }
        int n = x.length / numGroups;
        float[] out = new float[x.length];
        for (int start = 0; start < x.length; start += n) {
            if (symmetric) {
                symmetricGroup(x, out, start, n);
            } else {
                asymmetricGroup(x, out, start, n);
            }
        }
        return out;
    }

    /** Dynamic per-token quantization of activations {@code [tokens, features]}: one group per token. */
    public float[] perToken(float[] x, int features) {
        return fakeQuantize(x, x.length / features);
    }

    private void symmetricGroup(float[] x, float[] out, int start, int n) {
        float qRange = (float) (1L << bits);
        // step from the group's max |x|
        float max = 0f;
        for (int i = start; i < start + n; i++) {
            max = Math.max(max, Math.abs(x[i]));
        }
        float step = 2f * max / qRange;
        // round half to even, clamp to the 2^b signed levels
        float lo = -qRange / 2;
        float hi = qRange / 2 - 1;
        for (int i = start; i < start + n; i++) {
            out[i] = Math.min(Math.max((float) Math.rint(x[i] / step), lo), hi) * step;
        }
    }

    private void asymmetricGroup(float[] x, float[] out, int start, int n) {
        float qRange = (float) (1L << bits);
        // range, step and the zero point on the step grid
        float min = Float.POSITIVE_INFINITY;
        float max = Float.NEGATIVE_INFINITY;
        for (int i = start; i < start + n; i++) {
            min = Math.min(min, x[i]);
            max = Math.max(max, x[i]);
        }
        float step = (max - min) / qRange;
        float zeroPoint = (float) Math.rint(min / step) * step;
        for (int i = start; i < start + n; i++) {
            out[i] = Math.min(Math.max((float) Math.rint((x[i] - zeroPoint) / step), 0f), qRange - 1) * step + zeroPoint;
        }
    }
}
