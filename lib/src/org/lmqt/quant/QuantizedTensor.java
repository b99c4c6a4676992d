package org.lmqt.quant;

import java.util.Arrays;
import org.lmqt.checkpoint.Floats;

/**
 * A tensor quantized the HQQ way along axis 0: the row-major flat buffer viewed as {@code [group, M]}
 * ({@code M = numel / group}); group {@code j} is column {@code j} of that view, i.e. flat indices
 * {@code j, j+M, j+2M, ...}. Dequantized values come back in the original flat order.
 *
 * @param shape original tensor shape ({@code [out, in]} for a linear weight)
 * @param bits  bits per code
 * @param group weights per group (rows of the grouped view)
 * @param codes integer codes, {@code [group, M]} row-major, each in {@code [0, 2^bits - 1]} (unsigned bytes)
 * @param scale step size of each group, {@code [M]} (the inverse of HQQ's internal scale)
 * @param zero  zero point of each group in code units, {@code [M]}
 */
public record QuantizedTensor(int[] shape, int bits, int group, byte[] codes, float[] scale, float[] zero) {

    public QuantizedTensor {
        long numel = Arrays.stream(shape).asLongStream().reduce(1, (a, b) -> a * b);
        if (numel != codes.length || numel % group != 0 || scale.length != numel / group || zero.length != scale.length) {
            throw new IllegalArgumentException("inconsistent quantized tensor: shape " + Arrays.toString(shape)
                    + ", group " + group + ", " + codes.length + " codes, " + scale.length + " scales, "
                    + zero.length + " zeros");
        }
    }

    /** Number of groups (columns of the grouped view). */
    public int columns() {
        return scale.length;
    }

    /** Code of element {@code i} of the flat buffer, as an int in {@code [0, 2^bits)}. */
    public int code(int i) {
        return codes[i] & 0xff;
    }

    /**
     * Dequantizes in IEEE half arithmetic, as the fork does even on CPU: zero and step rounded to fp16, then
     * {@code (code - zero)} and {@code * step} each rounded to fp16. Returns the fp16 values widened to float32.
     */
    public float[] dequantizeHalf() {
        int m = columns();
        float[] zh = new float[m];   // [M] zero as fp16
        float[] sh = new float[m];   // [M] step as fp16
        for (int j = 0; j < m; j++) {
            zh[j] = Floats.toHalf(zero[j]);
            sh[j] = Floats.toHalf(scale[j]);
        }
        float[] out = new float[codes.length];   // [group, M] = original flat order
        for (int i = 0, idx = 0; i < group; i++) {
            for (int j = 0; j < m; j++, idx++) {
                out[idx] = Floats.toHalf(Floats.toHalf((codes[idx] & 0xff) - zh[j]) * sh[j]);
            }
        }
        return out;
    }

    /** Dequantizes in float32: {@code (code - zero) * step}. */
    public float[] dequantizeFloat() {
        int m = columns();
        float[] out = new float[codes.length];   // [group, M]
        for (int i = 0, idx = 0; i < group; i++) {
            for (int j = 0; j < m; j++, idx++) {
                out[idx] = ((codes[idx] & 0xff) - zero[j]) * scale[j];
            }
        }
        return out;
    }

    /** Checks that every code (an unsigned byte) fits {@code bits} bits; an {@link IllegalArgumentException} else. */
    public static void checkCodes(byte[] codes, int bits) {
        int maxq = (1 << bits) - 1;
        for (byte c : codes) {
            if ((c & 0xff) > maxq) {
                throw new IllegalArgumentException("code " + (c & 0xff) + " does not fit " + bits + " bits");
            }
        }
    }
}
