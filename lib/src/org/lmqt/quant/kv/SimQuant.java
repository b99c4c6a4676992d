package org.lmqt.quant.kv;

/**
 * LLMEasyQuant's {@code sim_quantize} ({@code EasyQuant/KVQuant.py}). Despite the file's name it is not a KV-cache
 * method: LLMEasyQuant applies it to every model parameter, as 8-bit asymmetric min-max quantization along dim 0
 * (per column of a matrix, one group for a vector): {@code range = max - min} (0 replaced by 1),
 * {@code scale = 255 / range} (as torch evaluates a number divided by a tensor: {@code reciprocal(range) * 255}), {@code zp = round(-min * scale)}, {@code q = clamp(round(x * scale + zp), 0, 255)},
 * {@code dq = (q - zp) / scale}, float32, round half to even. It returns {@code q.to(int8)}, where codes 128..255
 * wrap to -128..-1; the dequantized value uses the unwrapped code.
 */
public final class SimQuant {
    private SimQuant() {}

    /** The wrapped int8 codes and the dequantized values, both {@code [rows, cols]} row-major. */
    public record Result(byte[] int8Codes, float[] dequantized) {}

    /** Quantizes {@code x [rows, cols]} (row-major; a vector is {@code [n, 1]}) per column, along the rows. */
    public static Result quantize(float[] x, int rows, int cols) {
        if ((long) rows * cols != x.length) {
            throw new IllegalArgumentException(x.length + " values are not " + rows + " x " + cols);
        }
        byte[] q = new byte[x.length];       // [rows, cols]
        float[] dq = new float[x.length];    // [rows, cols]
        for (int c = 0; c < cols; c++) {
            // min-max of the column
            float mn = Float.POSITIVE_INFINITY;
            float mx = Float.NEGATIVE_INFINITY;
            for (int r = 0; r < rows; r++) {
                float v = x[r * cols + c];
                mn = Math.min(mn, v);
                mx = Math.max(mx, v);
            }
            // scale and zero point
            float range = mx - mn;
            if (range == 0f) {
                range = 1f;
            }
            float scale = (1f / range) * 255f;   // torch evaluates `255 / tensor` as reciprocal(tensor) * 255
            float zp = (float) Math.rint(-mn * scale);
            // codes, the int8 wrap, dequantization with the unwrapped code
            for (int r = 0; r < rows; r++) {
                int i = r * cols + c;
                float code = Math.min(Math.max((float) Math.rint(x[i] * scale + zp), 0f), 255f);
                q[i] = (byte) (int) code;
                dq[i] = (code - zp) / scale;
            }
        }
        return new Result(q, dq);
    }
}
