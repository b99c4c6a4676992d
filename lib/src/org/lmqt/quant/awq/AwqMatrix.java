package org.lmqt.quant.awq;

import java.util.Arrays;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.Floats;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.checkpoint.StoredTensors;
import org.lmqt.quant.GroupedWeights;
import org.lmqt.quant.QuantizedMatrix;
import org.lmqt.quant.QuantizedTensor;
import org.lmqt.quant.RowMajor;

/**
 * An AWQ-quantized matrix as {@code pseudo_quantize_tensor} (calib-methods-spec §3.1) leaves it: integer codes, one
 * scale and zero per row and group of {@code group} consecutive inputs. {@link #referenceWeight} is
 * {@code (codes - zeros) * scales} in float32, the reference's pseudo-quantized weight bit for bit; {@link #dequantize}
 * is the fp16 weight AutoAWQ's GEMM kernels compute from the stored fp16 scales, so a matrix quantized in memory and
 * the same matrix read back from its snapshot ({@link #read}) run identically. A symmetric matrix
 * ({@code zero_point=False}) stores its signed values {@code v} as codes {@code v + 2^(bits-1)} with that offset as
 * every zero, so the same expression gives {@code v * scale}.
 *
 * @param shape  {@code [out, in]}
 * @param bits   1..8
 * @param group  group size along the input, dividing {@code in}
 * @param codes  {@code [out, in]} row-major, unsigned ({@code & 0xff})
 * @param scales {@code [out, in/group]} row-major
 * @param zeros  {@code [out, in/group]} row-major, integer-valued floats (an all-zero group has {@code -0.0})
 */
public record AwqMatrix(int[] shape, int bits, int group, byte[] codes, float[] scales, float[] zeros)
        implements QuantizedMatrix {
    /** The format's name in snapshots. */
    public static final String FORMAT = "awq";

    /** Nibble {@code k} of a GEMM word holds output column {@code 8*word + ORDER[k]} (AutoAWQ's interleave). */
    private static final int[] GEMM_ORDER = {0, 2, 4, 6, 1, 3, 5, 7};

    public AwqMatrix {
        shape = shape.clone();
        if (shape.length != 2 || shape[0] <= 0 || shape[1] <= 0 || bits < 1 || bits > 8 || group <= 0
                || shape[1] % group != 0) {
            throw new IllegalArgumentException("not an AWQ matrix: shape " + Arrays.toString(shape) + ", " + bits
                    + " bits, group " + group);
        }
        long groups = (long) shape[0] * (shape[1] / group);
        if (codes.length != (long) shape[0] * shape[1] || scales.length != groups || zeros.length != groups) {
            throw new IllegalArgumentException("inconsistent AWQ matrix " + Arrays.toString(shape) + " g" + group
                    + ": " + codes.length + " codes, " + scales.length + " scales, " + zeros.length + " zeros");
        }
        QuantizedTensor.checkCodes(codes, bits);
    }

    @Override
    public String format() {
        return FORMAT;
    }

    @Override
    public int[] shape() {
        return shape.clone();
    }

    /** Groups per row, {@code in / group}. */
    public int groups() {
        return shape[1] / group;
    }

    /** The code of weight {@code (r, c)}. */
    public int code(int r, int c) {
        return codes[r * shape[1] + c] & 0xff;
    }

    /** {@code (codes - zeros) * scales} per group, float32: the reference's pseudo-quantized weight. */
    public float[] referenceWeight() {
        return dequantize(false);
    }

    /**
     * The deployed weight {@code fp16(fp16(scale) * (code - zero))}: the GEMM kernel's half-precision
     * {@code (w - z) * s} (the product of an fp16 scale and a small integer is exact in float32).
     */
    @Override
    public float[] dequantize() {
        return dequantize(true);
    }

    private float[] dequantize(boolean half) {
        return GroupedWeights.dequantize(shape[0], shape[1], codes, scales, zeros, groups(), c -> c / group, half);
    }

    /**
     * Bytes of AutoAWQ's GEMM tensors: {@code qweight} I32 {@code [in, out*bits/32]}, {@code qzeros} I32
     * {@code [groups, out*bits/32]}, {@code scales} F16 {@code [groups, out]}.
     */
    @Override
    public long storageBytes() {
        long out = shape[0];
        long in = shape[1];
        long groups = groups();
        long wordsPerRow = (out * bits + 31) / 32;
        return 4 * in * wordsPerRow + 4 * groups * wordsPerRow + 2 * groups * out;
    }

    /**
     * Writes AutoAWQ's {@code WQLinear_GEMM} tensors (calib-methods-spec §3.6) under {@code prefix}:
     * {@code qweight} I32 {@code [in, out/8]} with the integer weights recomputed as {@code from_linear} does,
     * {@code rint((W16 + fp16(zero*scale16)) / scale16)} in fp16 arithmetic from the fp16 weight {@code W16 = fp16(scale16 * (code -
     * zero))} (normally the code itself), eight output columns per word in the interleaved order
     * {@code [0, 2, 4, 6, 1, 3, 5, 7]}; {@code qzeros} I32 {@code [groups, out/8]}, the zeros as they are in the same
     * order; {@code scales} F16 {@code [groups, out]}. Values are masked to 4 bits.
     *
     * @throws UnsupportedOperationException unless {@code bits == 4} (the only width GEMM packs)
     * @throws IllegalArgumentException unless {@code out} is a multiple of 8
     */
    @Override
    public void writeTo(SafetensorsWriter writer, String prefix) {
        if (bits != 4) {
            throw new UnsupportedOperationException("AutoAWQ's GEMM format packs 4-bit weights only, not " + bits);
        }
        int out = shape[0];
        int in = shape[1];
        if (out % 8 != 0) {
            throw new IllegalArgumentException("GEMM packs 8 output columns per word: " + out + " outputs");
        }
        int groups = groups();
        int[] intWeight = new int[in * out];                     // [in, out]
        int[] zeroT = new int[groups * out];                     // [groups, out]
        float[] scalesT = new float[groups * out];               // [groups, out]
        for (int r = 0; r < out; r++) {
            for (int k = 0; k < groups; k++) {
                // the fp16 scale and zero*scale that from_linear divides and adds with
                float scale16 = Floats.toHalf(scales[r * groups + k]);
                float zero = zeros[r * groups + k];
                float scaleZero = Floats.toHalf(zero * scale16);
                zeroT[k * out + r] = (int) zero & 0xf;
                scalesT[k * out + r] = scale16;
                for (int c = k * group; c < (k + 1) * group; c++) {
                    float w16 = Floats.toHalf(scale16 * ((codes[r * in + c] & 0xff) - zero));
                    intWeight[c * out + r] = (int) Math.rint(Floats.toHalf(Floats.toHalf(w16 + scaleZero) / scale16)) & 0xf;
                }
            }
        }
        writer.putInts(prefix + ".qweight", new int[] {in, out / 8}, packGemm(intWeight, in, out));
        writer.putInts(prefix + ".qzeros", new int[] {groups, out / 8}, packGemm(zeroT, groups, out));
        writer.put(prefix + ".scales", DType.F16, new int[] {groups, out}, scalesT);
    }

    /**
     * Reads one linear layer of an AutoAWQ GEMM checkpoint under {@code prefix}, the inverse of {@link #writeTo}:
     * {@code qweight} I32 {@code [in, out/8]}, {@code qzeros} I32 {@code [in/group, out/8]} (zeros as they are),
     * {@code scales} F16 {@code [in/group, out]}; every tensor's dtype and shape is checked.
     */
    public static AwqMatrix read(StoredTensors t, String prefix, int group) {
        String qweight = prefix + ".qweight";
        if (!t.contains(qweight)) {
            throw t.invalid(qweight, "is missing (an AWQ GEMM layer stores qweight, qzeros and scales)");
        }
        int[] stored = t.shape(qweight);
        if (stored.length != 2) {
            throw t.invalid(qweight, "has shape " + Arrays.toString(stored) + ", not [in, out/8]");
        }
        int in = stored[0];
        int out = stored[1] * 8;
        if (in % group != 0) {
            throw t.invalid(qweight, "has " + in + " inputs, not a multiple of the group size " + group);
        }
        int groups = in / group;
        // codes [in, out] from the interleaved words, zeros and scales [groups, out], all transposed
        byte[] codes = RowMajor.transposeToBytes(unpackGemm(t.ints(qweight, stored), in, out), in, out); // [out, in]
        float[] zeros = RowMajor.transposeToFloats(unpackGemm(t.ints(prefix + ".qzeros", groups, out / 8), groups,
                out), groups, out, 0);                                                            // [out, groups]
        float[] scales = RowMajor.transpose(t.floats(prefix + ".scales", DType.F16, groups, out), groups, out);
        return new AwqMatrix(new int[] {out, in}, 4, group, codes, scales, zeros);
    }

    /** The inverse of {@link #packGemm}: {@code [n, m/8]} words to {@code [n, m]} 4-bit values. */
    static int[] unpackGemm(int[] words, int n, int m) {
        int w = m / 8;
        int[] v = new int[n * m];                                // [n, m]
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < w; j++) {
                int word = words[i * w + j];
                for (int k = 0; k < 8; k++) {
                    v[i * m + 8 * j + GEMM_ORDER[k]] = (word >>> (4 * k)) & 0xf;
                }
            }
        }
        return v;
    }

    /** Packs {@code v [n, m]} (4-bit values) into {@code [n, m/8]} words in the GEMM interleave. */
    static int[] packGemm(int[] v, int n, int m) {
        int w = m / 8;
        int[] words = new int[n * w];                            // [n, m/8]
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < w; j++) {
                int word = 0;
                for (int k = 0; k < 8; k++) {
                    word |= (v[i * m + 8 * j + GEMM_ORDER[k]] & 0xf) << (4 * k);
                }
                words[i * w + j] = word;
            }
        }
        return words;
    }

    /** {@code awq b4g128 [4096, 4096]}. */
    @Override
    public String toString() {
        return FORMAT + " b" + bits + "g" + group + " " + Arrays.toString(shape);
    }
}
