package org.lmqt.quant;

import java.util.Arrays;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.Floats;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.checkpoint.StoredTensors;

/**
 * A weight in bitsandbytes' LLM.int8 format, as {@code Linear8bitLt} holds it after {@code load_in_8bit}
 * (calib-methods-spec §4.4, {@code b8g128} in {@code BNB_CONFIGS}, where the 128 is only a name): the weight cast
 * to fp16, one float32 scale per row {@code SCB = max |w16|}, codes {@code CB = rint(w16 * (127 / SCB))} (half to
 * even; an all-zero row gives codes 0). Dequantized as {@code int8_vectorwise_dequant}:
 * {@code (CB * SCB) * float32(1/127)}.
 *
 * <p><b>Not done yet:</b> the inference-time outlier decomposition of {@code MatMul8bitLt} (input columns with
 * {@code |x| >= 6.0} multiplied in fp16, the rest as int8 x int8). lmqt runs this format as a dense layer of the
 * dequantized weight, which is close to but not the original's int8 forward.
 *
 * <p>Tensors under a prefix {@code P} (bitsandbytes' names): {@code P.weight} I8 {@code [out, in]}, {@code P.SCB}
 * F32 {@code [out]}, {@code P.weight_format} U8 scalar 0 (row-major).
 *
 * @param shape {@code [out, in]}
 * @param codes {@code CB}, {@code [out, in]} row-major
 * @param scb   the row maxima {@code SCB}, {@code [out]}
 */
public record Int8Matrix(int[] shape, byte[] codes, float[] scb) implements QuantizedMatrix {
    /** The format's name. */
    public static final String FORMAT = "bnb-int8";
    /** {@code float32(1/127)}, bitsandbytes' dequantization constant. */
    private static final float INV_127 = (float) (1.0 / 127);

    public Int8Matrix {
        shape = shape.clone();
        if (shape.length != 2 || shape[0] <= 0 || shape[1] <= 0 || scb.length != shape[0]
                || codes.length != (long) shape[0] * shape[1]) {
            throw new IllegalArgumentException("inconsistent int8 matrix: shape " + Arrays.toString(shape) + ", "
                    + codes.length + " codes, " + scb.length + " row scales");
        }
    }

    /** Quantizes {@code w} ({@code shape = [out, in]}, row-major). */
    public static Int8Matrix quantize(float[] w, int[] shape) {
        int rows = shape[0];
        int cols = shape.length == 2 ? shape[1] : 0;
        if ((long) rows * cols != w.length) {
            throw new IllegalArgumentException(w.length + " weights do not fill " + Arrays.toString(shape));
        }
        // the fp16 cast of Int8Params
        float[] w16 = new float[w.length];                                // [out, in]
        for (int i = 0; i < w.length; i++) {
            w16[i] = Floats.toHalf(w[i]);
        }
        // row maxima of the fp16 weight
        float[] scb = new float[rows];                                    // [out]
        for (int i = 0; i < w16.length; i++) {
            scb[i / cols] = Math.max(scb[i / cols], Math.abs(w16[i]));
        }
        // codes: the scale 127 / SCB in float32, round half to even (NaN of an all-zero row casts to 0)
        byte[] codes = new byte[w.length];                                // [out, in]
        for (int r = 0; r < rows; r++) {
            float scale = 127f / scb[r];
            for (int i = r * cols; i < (r + 1) * cols; i++) {
                codes[i] = (byte) (int) Math.rint(w16[i] * scale);
            }
        }
        return new Int8Matrix(shape, codes, scb);
    }

    @Override
    public float[] dequantize() {
        int cols = shape[1];
        float[] out = new float[codes.length];                            // [out, in]
        for (int i = 0; i < out.length; i++) {
            // (CB * SCB) first, then the float32 constant 1/127
            out[i] = (codes[i] * scb[i / cols]) * INV_127;
        }
        return out;
    }

    @Override
    public String format() {
        return FORMAT;
    }

    /** Float32: {@code (CB * SCB) / 127} is not an fp16 value. */
    @Override
    public DType deployedType() {
        return DType.F32;
    }

    @Override
    public long storageBytes() {
        // one byte a code, float32 row scales, the one-byte weight_format
        return codes.length + 4L * scb.length + 1;
    }

    @Override
    public void writeTo(SafetensorsWriter w, String p) {
        w.putBytes(p + ".weight", DType.I8, shape, codes);
        w.put(p + ".SCB", DType.F32, new int[] {scb.length}, scb);
        w.putBytes(p + ".weight_format", DType.U8, new int[0], new byte[] {0});
    }

    /**
     * Reads one linear layer of transformers' bitsandbytes 8-bit serialization under {@code prefix}: {@code weight} I8
     * {@code [out, in]} and {@code SCB} F32 {@code [out]} (a {@code weight_format} other than 0, row-major, is
     * refused); dtypes and shapes are checked.
     */
    public static Int8Matrix read(StoredTensors t, String prefix) {
        String weight = prefix + ".weight";
        int[] shape = t.shape(weight);
        if (shape.length != 2) {
            throw t.invalid(weight, "has shape " + Arrays.toString(shape) + ", not [out, in]");
        }
        byte[] codes = t.bytes(weight, DType.I8, shape);
        float[] scb = t.floats(prefix + ".SCB", DType.F32, shape[0]);
        String format = prefix + ".weight_format";
        if (t.contains(format)) {
            byte[] f = t.bytes(format, DType.U8, t.shape(format));
            if (f.length != 1 || f[0] != 0) {
                throw t.invalid(format, "is not 0 (row-major): only row-major int8 weights are read");
            }
        }
        return new Int8Matrix(shape, codes, scb);
    }

    /** {@code bnb-int8 [4096, 4096]}. */
    @Override
    public String toString() {
        return FORMAT + " " + Arrays.toString(shape);
    }
}
