package org.lmqt.quant.smoothquant;

/**
 * qllm-infer's min-max quantizer (GPTQ's {@code Quantizer(bits, perchannel=True, sym, mse=False)}, qllm-infer
 * {@code lib/quantization/quantizer.py}; act-kv-methods-spec §1.4), per row of a {@code [rows, cols]} tensor (weight
 * rows, or tokens of an activation), in float32: range {@code [min(x_min, 0), max(x_max, 0)]} (zero always inside;
 * an all-zero row gets [−1, 1]), {@code step = (max - min) / (2^b - 1)}, zero {@code round(-min / step)} (asym) or
 * {@code 2^(b-1)} (sym, where {@code max = max(|min|, max)} and {@code min = -max} only where min < 0),
 * {@code q = clamp(round(x / step) + zero, 0, 2^b - 1)}, value {@code step (q - zero)}.
 *
 * @param bits      bits per value
 * @param symmetric qllm-infer's {@code --sym_w}/{@code --sym_a}
 */
public record MinMaxQuantizer(int bits, boolean symmetric) {

    public MinMaxQuantizer {
        if (bits < 2 || bits > 16) {
            throw new IllegalArgumentException("min-max quantizer takes 2..16 bits, got " + bits);
        }
    }

    /** The fake-quantized copy of {@code x}, one range per row of {@code cols}. */
    public float[] fakeQuantize(float[] x, int cols) {
        if (cols <= 0 || x.length % cols != 0) {
            throw new IllegalArgumentException(x.length + " values are not rows of " + cols);
        }
        float maxq = (float) ((1L << bits) - 1);
        float[] out = new float[x.length];
        for (int start = 0; start < x.length; start += cols) {
            // range including zero
            float lo = 0f;
            float hi = 0f;
            for (int i = start; i < start + cols; i++) {
                lo = Math.min(lo, x[i]);
                hi = Math.max(hi, x[i]);
            }
            if (symmetric) {
                hi = Math.max(Math.abs(lo), hi);
                if (lo < 0) {
                    lo = -hi;
                }
            }
            if (lo == 0f && hi == 0f) {
                lo = -1f;
                hi = 1f;
            }
            // step and zero point
            float step = (hi - lo) / maxq;
            float zero = symmetric ? (maxq + 1) / 2 : (float) Math.rint(-lo / step);
            for (int i = start; i < start + cols; i++) {
                float q = Math.min(Math.max((float) Math.rint(x[i] / step) + zero, 0f), maxq);
                out[i] = step * (q - zero);
            }
        }
        return out;
    }
}
