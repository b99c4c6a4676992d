package org.lmqt.quant.gptq;

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
 * A GPTQ-quantized matrix as {@code fasterquant} leaves it: integer codes, one scale and zero per row and group, and
 * the group of every input column ({@code g_idx}; with act-order the groups are ranges of the processing order).
 * {@link #referenceWeight} is {@code scale[:, g_idx] * (codes - zero[:, g_idx])} in float32, the reference's weight
 * bit for bit; {@link #dequantize} is the fp16 weight the deployed kernels compute from the packed tensors, so a
 * matrix quantized in memory and the same matrix read back from its snapshot ({@link #read}) run identically.
 *
 * @param shape  {@code [out, in]}
 * @param bits   2, 3, 4 or 8
 * @param group  group size, or -1 for one group per row
 * @param sym    whether the zeros are the fixed {@code (maxq+1)/2}
 * @param codes  {@code [out, in]} row-major, unsigned ({@code & 0xff}), original column order
 * @param scales {@code [out, groups]} row-major
 * @param zeros  {@code [out, groups]} row-major, integer-valued floats
 * @param gIdx   {@code [in]} column of {@code scales} for each input column
 */
public record GptqMatrix(int[] shape, int bits, int group, boolean sym, byte[] codes, float[] scales, float[] zeros,
                         int[] gIdx) implements QuantizedMatrix {
    /** The format's name in snapshots. */
    public static final String FORMAT = "gptq";

    public GptqMatrix {
        shape = shape.clone();
        if (shape.length != 2 || shape[0] <= 0 || shape[1] <= 0 || !Gptq.BITS.contains(bits)
                || (group <= 0 && group != -1)) {
            throw new IllegalArgumentException("not a GPTQ matrix: shape " + Arrays.toString(shape) + ", " + bits
                    + " bits, group " + group);
        }
        int out = shape[0];
        int in = shape[1];
        if (codes.length != (long) out * in || gIdx.length != in || scales.length != zeros.length
                || scales.length % out != 0 || scales.length == 0) {
            throw new IllegalArgumentException("inconsistent GPTQ matrix " + Arrays.toString(shape) + ": "
                    + codes.length + " codes, " + scales.length + " scales, " + zeros.length + " zeros, "
                    + gIdx.length + " g_idx");
        }
        int groups = scales.length / out;
        for (int gi : gIdx) {
            if (gi < 0 || gi >= groups) {
                throw new IllegalArgumentException("g_idx " + gi + " outside the " + groups + " groups");
            }
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

    /** Columns of {@link #scales}. */
    public int groups() {
        return scales.length / shape[0];
    }

    /** The code of weight {@code (r, c)}. */
    public int code(int r, int c) {
        return codes[r * shape[1] + c] & 0xff;
    }

    /** {@code scale * (code - zero)} in float32: {@code fasterquant}'s {@code Q}, the reference's weight bit for bit. */
    public float[] referenceWeight() {
        return dequantize(false);
    }

    /**
     * The deployed weight: {@code fp16(fp16(scale) * (code - zero))}, what the GPTQ kernels compute from
     * {@code scales} (F16) and the packed codes and zeros (the product of two fp16 values is exact in float32).
     */
    @Override
    public float[] dequantize() {
        return dequantize(true);
    }

    private float[] dequantize(boolean half) {
        return GroupedWeights.dequantize(shape[0], shape[1], codes, scales, zeros, groups(), c -> gIdx[c], half);
    }

    /**
     * Bytes of the AutoGPTQ tensors {@link #writeTo} writes: {@code qweight} ({@code bits*in/32} int32 words per
     * output), {@code qzeros} ({@code bits*out/32} words per group), {@code scales} (fp16 per output and group),
     * {@code g_idx} (int32 per input); word counts rounded up where they do not divide.
     */
    @Override
    public long storageBytes() {
        long out = shape[0];
        long in = shape[1];
        long groups = groups();
        return 4 * words(in) * out + 4 * groups * words(out) + 2 * groups * out + 4 * in;
    }

    private long words(long values) {
        return (values * bits + 31) / 32;
    }

    /**
     * Writes AutoGPTQ's v1 "gptq" tensors (calib-methods-spec §2.5) under {@code prefix}:
     * <ul>
     * <li>{@code qweight} I32 {@code [in*bits/32, out]}: the integer weights recomputed from the fp16 dequantized
     *     weight as AutoGPTQ's {@code pack} does, {@code rint((W16 + zero*scale) / scale16)}, packed along the input
     *     as a little-endian bit stream of 32-bit words (for 3 bits, 32 values in 3 words with values 10 and 21 split
     *     across words);</li>
     * <li>{@code qzeros} I32 {@code [groups, out*bits/32]}: {@code zero - 1} packed the same way along the output;</li>
     * <li>{@code scales} F16 {@code [groups, out]}; {@code g_idx} I32 {@code [in]}.</li>
     * </ul>
     * Differences from AutoGPTQ: values are masked to {@code bits} bits, so an asymmetric zero of 0 is stored as
     * {@code maxq} (AutoGPTQ shifts the unmasked -1 and so sets every higher bit of its word); a recomputed weight
     * outside {@code [0, maxq]} would be masked the same way (it normally equals the code).
     *
     * @throws IllegalArgumentException unless {@code in*bits} and {@code out*bits} are multiples of 32
     */
    @Override
    public void writeTo(SafetensorsWriter writer, String prefix) {
        int out = shape[0];
        int in = shape[1];
        if ((long) in * bits % 32 != 0 || (long) out * bits % 32 != 0) {
            throw new IllegalArgumentException("the gptq format packs 32 values per " + bits + " words: shape "
                    + Arrays.toString(shape) + " does not fit");
        }
        int groups = groups();
        int maxq = (1 << bits) - 1;
        // integer weights from the fp16 weight, transposed to [in, out] for packing along the input
        float[] w16 = dequantize();
        int[] intWeight = new int[in * out];                     // [in, out]
        for (int r = 0; r < out; r++) {
            for (int c = 0; c < in; c++) {
                int k = r * groups + gIdx[c];
                float scaleZero = zeros[k] * scales[k];
                float scale16 = Floats.toHalf(scales[k]);
                intWeight[c * out + r] = (int) Math.rint((w16[r * in + c] + scaleZero) / scale16) & maxq;
            }
        }
        int[] zeroMinusOne = new int[groups * out];              // [groups, out]
        float[] scalesT = new float[groups * out];               // [groups, out]
        for (int r = 0; r < out; r++) {
            for (int k = 0; k < groups; k++) {
                zeroMinusOne[k * out + r] = ((int) zeros[r * groups + k] - 1) & maxq;
                scalesT[k * out + r] = scales[r * groups + k];
            }
        }
        writer.putInts(prefix + ".qweight", new int[] {in * bits / 32, out}, packRows(intWeight, in, out, bits));
        writer.putInts(prefix + ".qzeros", new int[] {groups, out * bits / 32}, packColumns(zeroMinusOne, groups, out, bits));
        writer.put(prefix + ".scales", DType.F16, new int[] {groups, out}, scalesT);
        writer.putInts(prefix + ".g_idx", new int[] {in}, gIdx);
    }

    /**
     * Packs {@code v [n, m]} along its first axis: word {@code (w, j)} of {@code [n*bits/32, m]} holds bits
     * {@code [32w, 32w+32)} of column {@code j}'s little-endian bit stream, value {@code i} at bits
     * {@code [i*bits, i*bits+bits)}.
     */
    static int[] packRows(int[] v, int n, int m, int bits) {
        int[] words = new int[n * bits / 32 * m];                // [n*bits/32, m]
        for (int i = 0; i < n; i++) {
            long bit = (long) i * bits;
            int word = (int) (bit >>> 5);
            int shift = (int) (bit & 31);
            for (int j = 0; j < m; j++) {
                int value = v[i * m + j];
                words[word * m + j] |= value << shift;
                if (shift + bits > 32) {
                    words[(word + 1) * m + j] |= value >>> (32 - shift);
                }
            }
        }
        return words;
    }

    /**
     * Reads the tensors of one linear layer of an AutoGPTQ / GPTQModel checkpoint under {@code prefix}, the inverse of
     * {@link #writeTo}: the shape comes from {@code qweight} ({@code [in*bits/32, out]}), the zeros are the stored
     * values plus one in the v1 {@code gptq} format (as every v1 reader adds it back; so an asymmetric zero of 0,
     * which v1 cannot store, reads back as {@code maxq + 1}, as in AutoGPTQ) and as stored in {@code gptq_v2}. A
     * missing {@code g_idx} means {@code c / group}. Every tensor's dtype and shape is checked.
     *
     * @param group the checkpoint's {@code group_size} ({@code -1}: one group per row)
     * @param v2    whether the zeros are stored unmodified ({@code checkpoint_format: gptq_v2})
     */
    public static GptqMatrix read(StoredTensors t, String prefix, int bits, int group, boolean sym, boolean v2) {
        String qweight = prefix + ".qweight";
        if (!t.contains(qweight)) {
            throw t.invalid(qweight, "is missing (a GPTQ layer stores qweight, qzeros, scales and g_idx)");
        }
        int[] stored = t.shape(qweight);
        if (stored.length != 2 || (long) stored[0] * 32 % bits != 0) {
            throw t.invalid(qweight, "has shape " + Arrays.toString(stored) + ", not [in*" + bits + "/32, out]");
        }
        int in = (int) ((long) stored[0] * 32 / bits);
        int out = stored[1];
        if ((long) out * bits % 32 != 0) {
            throw t.invalid(qweight, "has " + out + " outputs, which " + bits + "-bit qzeros cannot pack");
        }
        int groups = group == -1 ? 1 : (in + group - 1) / group;
        int maxq = (1 << bits) - 1;
        // codes unpacked along the input, zeros (v1: stored minus one) and scales [groups, out], all transposed
        byte[] codes = RowMajor.transposeToBytes(unpackRows(t.ints(qweight, stored), in, out, bits), in, out); // [out, in]
        float[] zeros = RowMajor.transposeToFloats(unpackColumns(t.ints(prefix + ".qzeros", groups, out * bits / 32),
                groups, out, bits), groups, out, v2 ? 0 : 1);                                    // [out, groups]
        float[] scales = RowMajor.transpose(t.floats(prefix + ".scales", DType.F16, groups, out), groups, out);
        // the group of every input column
        int[] gIdx;
        if (t.contains(prefix + ".g_idx")) {
            gIdx = t.ints(prefix + ".g_idx", in);
            for (int c = 0; c < in; c++) {
                if (gIdx[c] < 0 || gIdx[c] >= groups) {
                    throw t.invalid(prefix + ".g_idx", "names group " + gIdx[c] + " at column " + c + " of "
                            + groups);
                }
            }
        } else {
            gIdx = new int[in];
            for (int c = 0; c < in; c++) {
                gIdx[c] = group == -1 ? 0 : c / group;
            }
        }
        if (sym) {
            float expected = (maxq + 1) / 2f;
            for (float z : zeros) {
                if (z != expected) {
                    throw t.invalid(prefix + ".qzeros", "holds a zero of " + z + " in a symmetric checkpoint"
                            + " (expected " + expected + ")");
                }
            }
        }
        return new GptqMatrix(new int[] {out, in}, bits, group, sym, codes, scales, zeros, gIdx);
    }

    /** The inverse of {@link #packRows}: {@code [n*bits/32, m]} words to {@code [n, m]} values. */
    static int[] unpackRows(int[] words, int n, int m, int bits) {
        int mask = (1 << bits) - 1;
        int[] v = new int[n * m];                                // [n, m]
        for (int i = 0; i < n; i++) {
            long bit = (long) i * bits;
            int word = (int) (bit >>> 5);
            int shift = (int) (bit & 31);
            for (int j = 0; j < m; j++) {
                int value = words[word * m + j] >>> shift;
                if (shift + bits > 32) {
                    value |= words[(word + 1) * m + j] << (32 - shift);
                }
                v[i * m + j] = value & mask;
            }
        }
        return v;
    }

    /** The inverse of {@link #packColumns}: {@code [n, m*bits/32]} words to {@code [n, m]} values. */
    static int[] unpackColumns(int[] words, int n, int m, int bits) {
        int w = m * bits / 32;
        int[] packedT = new int[w * n];                          // [m*bits/32, n]
        for (int k = 0; k < w; k++) {
            for (int i = 0; i < n; i++) {
                packedT[k * n + i] = words[i * w + k];
            }
        }
        int[] transposed = unpackRows(packedT, m, n, bits);      // [m, n]
        int[] v = new int[n * m];                                // [n, m]
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                v[i * m + j] = transposed[j * n + i];
            }
        }
        return v;
    }

    /** Packs {@code v [n, m]} along its second axis, row by row: {@code [n, m*bits/32]}. */
    static int[] packColumns(int[] v, int n, int m, int bits) {
        int[] transposed = new int[m * n];                       // [m, n]
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                transposed[j * n + i] = v[i * m + j];
            }
        }
        int[] packedT = packRows(transposed, m, n, bits);        // [m*bits/32, n]
        int w = m * bits / 32;
        int[] words = new int[n * w];                            // [n, m*bits/32]
        for (int k = 0; k < w; k++) {
            for (int i = 0; i < n; i++) {
                words[i * w + k] = packedT[k * n + i];
            }
        }
        return words;
    }

    /** {@code gptq b4g128 [4096, 4096]}. */
    @Override
    public String toString() {
        return FORMAT + " b" + bits + "g" + (group == -1 ? "all" : group) + (sym ? "" : " asym") + " "
                + Arrays.toString(shape);
    }
}
