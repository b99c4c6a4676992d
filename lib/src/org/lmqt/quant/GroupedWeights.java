package org.lmqt.quant;

import java.util.function.IntUnaryOperator;
import org.lmqt.checkpoint.Floats;

/** The weight of a matrix quantized with one scale and zero per output and group of inputs (GPTQ, AWQ). */
public final class GroupedWeights {
    private GroupedWeights() {}

    /**
     * {@code scale[r, g(c)] * (code[r, c] - zero[r, g(c)])} for {@code [out, in]} codes: in float32 (the references'
     * weight), or as the formats' fp16 kernels compute it, {@code fp16(fp16(scale) * (code - zero))} (the product of
     * an fp16 scale and a small integer is exact in float32).
     *
     * @param codes   {@code [out, in]} row-major, unsigned ({@code & 0xff})
     * @param scales  {@code [out, groups]} row-major
     * @param zeros   {@code [out, groups]} row-major
     * @param groupOf the group of each input column
     */
    public static float[] dequantize(int out, int in, byte[] codes, float[] scales, float[] zeros, int groups,
                                     IntUnaryOperator groupOf, boolean half) {
        float[] w = new float[out * in];                         // [out, in]
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                int k = r * groups + groupOf.applyAsInt(c);
                float centred = (codes[r * in + c] & 0xff) - zeros[k];
                w[r * in + c] = half ? Floats.toHalf(Floats.toHalf(scales[k]) * centred) : scales[k] * centred;
            }
        }
        return w;
    }
}
