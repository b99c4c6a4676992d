package org.lmqt.quant;

/**
 * The block maxima of an NF4 matrix after bitsandbytes' double quantization ({@code compress_statistics=True},
 * calib-methods-spec §4.2 step 5, §4.3 step 1): the float32 mean of the maxima as {@code offset}, and
 * {@code absmax - offset} quantized blockwise with the signed dynamic 8-bit map in blocks of {@value #BLOCK}.
 *
 * @param codes   the 8-bit codes of {@code absmax - offset}, {@code [blocks]} (one per NF4 block)
 * @param offset  the mean of the block maxima
 * @param absmax2 per-{@value #BLOCK} maximum of {@code |absmax - offset|}, {@code [ceil(blocks / 256)]}
 */
public record NestedAbsmax(byte[] codes, float offset, float[] absmax2) {
    /** The nested block size of bitsandbytes. */
    public static final int BLOCK = 256;

    public NestedAbsmax {
        if (codes.length == 0 || absmax2.length != (codes.length + BLOCK - 1) / BLOCK) {
            throw new IllegalArgumentException(codes.length + " nested codes need " + (codes.length + BLOCK - 1) / BLOCK
                    + " nested maxima, got " + absmax2.length);
        }
    }

    /** Double-quantizes the block maxima {@code absmax} ({@code [blocks]}). */
    public static NestedAbsmax of(float[] absmax) {
        // offset: torch's float32 mean (its vectorized cascade sum, one division)
        float offset = CascadeSum.contiguous(absmax, CascadeSum.LANES_OF_SUM) / absmax.length;
        float[] centred = new float[absmax.length];                       // [blocks]
        for (int i = 0; i < centred.length; i++) {
            centred[i] = absmax[i] - offset;
        }
        float[] absmax2 = Nf4Matrix.blockAbsmax(centred, BLOCK);          // [ceil(blocks / 256)]
        // normalized by the nested block's reciprocal maximum, nearest dynamic-map code
        byte[] codes = Nf4Matrix.blockCodes(centred, absmax2, BLOCK, y -> BnbTables.dynamicCode((float) y)); // [blocks]
        return new NestedAbsmax(codes, offset, absmax2);
    }

    /** The block maxima used at dequantization: {@code dynamic[code] * absmax2[b / 256] + offset}, {@code [blocks]}. */
    public float[] dequantize() {
        float[] out = new float[codes.length];                            // [blocks]
        for (int i = 0; i < out.length; i++) {
            // two float32 roundings (product, then sum), as bitsandbytes computes them
            float scaled = BnbTables.dynamicValue(codes[i] & 0xff) * absmax2[i / BLOCK];
            out[i] = scaled + offset;
        }
        return out;
    }
}
