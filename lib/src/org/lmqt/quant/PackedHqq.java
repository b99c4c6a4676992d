package org.lmqt.quant;

import java.util.Arrays;
import java.util.Locale;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.SafetensorsWriter;

/**
 * An HQQ/RTN matrix in the form the fork's {@code HQQLinear} deploys and saves it (lmqt-spec §4.1.3, §4.2): the
 * codes packed, the step sizes quantized to {@code metaBits} in groups of {@code metaGroup} along axis 0, the zeros
 * quantized to 8 bits globally, meta values in fp16. Tensors under a prefix {@code P} ({@code M = out*in/g}):
 * <ul>
 * <li>{@code P.W_q}: packed codes, U8 {@code [g*bits/8, M]} (I32 {@code [ceil(g/10), M]} for 3 bits);</li>
 * <li>{@code P.scale_q}: U8 {@code [g2, M/g2]}; {@code P.meta_scale.scale}, {@code P.meta_scale.zero}: F16
 *     {@code [M/g2]};</li>
 * <li>{@code P.zero_q}: U8 {@code [1, M]}; {@code P.meta_zero.scale}, {@code P.meta_zero.zero}: F16 {@code [1]}.</li>
 * </ul>
 *
 * @param config the weight's config
 * @param method RTN or HQQ (how the codes were chosen; dequantization is the same)
 * @param shape  {@code [out, in]}
 * @param codes  the packed codes
 * @param scales step-size codes, {@code [1, M]} grouped by {@code metaGroup}, with their fp16 step and zero per group
 * @param zeros  zero codes, {@code [1, M]} in one group, with one fp16 step and zero
 */
public record PackedHqq(QuantConfig config, QuantMethod method, int[] shape, BitPacker.Packed codes,
                        QuantizedTensor scales, QuantizedTensor zeros) implements QuantizedMatrix {
    /** The format's name in snapshots. */
    public static final String FORMAT = "hqq";

    public PackedHqq {
        shape = shape.clone();
        long numel = (long) shape[0] * shape[1];
        long m = numel / config.group();
        if (shape.length != 2 || numel % config.group() != 0 || codes.shape()[1] != m
                || scales.codes().length != m || zeros.codes().length != m) {
            throw new IllegalArgumentException("inconsistent packed HQQ matrix: shape " + Arrays.toString(shape)
                    + ", " + config.name() + ", packed " + Arrays.toString(codes.shape()));
        }
    }

    @Override
    public String format() {
        return FORMAT;
    }

    /** Number of groups {@code M = out*in/g}. */
    public int groups() {
        return codes.shape()[1];
    }

    /** The codes unpacked with the unquantized-scale view of {@link HqqLinear}. */
    public HqqLinear unpacked() {
        return HqqLinear.fromPacked(config, method, shape, codes, scales, zeros);
    }

    @Override
    public float[] dequantize() {
        return unpacked().dequantize();
    }

    @Override
    public long storageBytes() {
        // codes, step-size codes and zero codes as bytes, four fp16 meta vectors
        return codes.data().length + scales.codes().length + zeros.codes().length
                + 2L * (2 * scales.columns() + 2 * zeros.columns());
    }

    @Override
    public void writeTo(SafetensorsWriter w, String p) {
        w.putBytes(p + ".W_q", codes.dtype(), codes.shape(), codes.data());
        w.putBytes(p + ".scale_q", DType.U8, new int[] {scales.group(), scales.columns()}, scales.codes());
        w.put(p + ".meta_scale.scale", DType.F16, new int[] {scales.columns()}, scales.scale());
        w.put(p + ".meta_scale.zero", DType.F16, new int[] {scales.columns()}, scales.zero());
        w.putBytes(p + ".zero_q", DType.U8, new int[] {1, zeros.codes().length}, zeros.codes());
        w.put(p + ".meta_zero.scale", DType.F16, new int[] {1}, zeros.scale());
        w.put(p + ".meta_zero.zero", DType.F16, new int[] {1}, zeros.zero());
    }

    /** Reads the tensors {@link #writeTo} wrote under {@code p}. */
    public static PackedHqq read(SafetensorsFile file, String p, QuantConfig c, QuantMethod method, int[] shape) {
        SafetensorsFile.Entry wq = file.entry(p + ".W_q");
        BitPacker.Packed packed = new BitPacker.Packed(BitPacker.packing(c.bits()), wq.dtype(), wq.shape(),
                file.readBytes(p + ".W_q"));
        int m = wq.shape()[1];
        QuantizedTensor scales = new QuantizedTensor(new int[] {1, m}, c.metaBits(), c.metaGroup(),
                file.readBytes(p + ".scale_q"), file.tensor(p + ".meta_scale.scale").data(),
                file.tensor(p + ".meta_scale.zero").data());
        QuantizedTensor zeros = new QuantizedTensor(new int[] {1, m}, 8, m, file.readBytes(p + ".zero_q"),
                file.tensor(p + ".meta_zero.scale").data(), file.tensor(p + ".meta_zero.zero").data());
        return new PackedHqq(c, method, shape, packed, scales, zeros);
    }

    /** {@code hqq b4g64 [4096, 4096]}. */
    @Override
    public String toString() {
        return method.name().toLowerCase(Locale.ROOT) + " " + config.name() + " " + Arrays.toString(shape);
    }
}
