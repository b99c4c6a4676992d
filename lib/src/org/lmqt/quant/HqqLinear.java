package org.lmqt.quant;

import org.lmqt.checkpoint.Floats;

/**
 * A linear weight quantized for deployment as the fork's {@code HQQLinear} does it (lmqt-spec §4.1.2-4.1.3, §4.3):
 * codes of the weight (HQQ or RTN, {@code round_zero} for 4-bit), the step sizes meta-quantized to 8 bits in groups
 * of 128 along axis 0, the zero points meta-quantized to 8 bits globally, all meta values in fp16, and the weight
 * rebuilt in fp16 arithmetic.
 *
 * @param config the weight's config ({@code b<bits>g<group>}; meta bits/group from it)
 * @param method RTN or HQQ
 * @param weight the weight's codes with its unquantized step sizes and zeros, {@code [g, M]}
 * @param scales the step sizes quantized, {@code [128, M/128]} codes (shape {@code [1, M]})
 * @param zeros  the zeros quantized globally, {@code [M]} codes with one step and zero (shape {@code [1, M]})
 */
public record HqqLinear(QuantConfig config, QuantMethod method, QuantizedTensor weight, QuantizedTensor scales,
                        QuantizedTensor zeros) {

    /** Quantizes {@code w} ({@code [out, in]} row-major) for deployment. */
    public static HqqLinear quantize(float[] w, int[] shape, QuantConfig config, QuantMethod method) {
        return quantize(new Hqq(null), w, shape, config, method);
    }

    /** As {@link #quantize(float[], int[], QuantConfig, QuantMethod)} on the given quantizer (threads). */
    public static HqqLinear quantize(WeightQuantizer quantizer, float[] w, int[] shape, QuantConfig config, QuantMethod method) {
        return quantize(quantizer, w, shape, config, method, method.deploymentSpec(config));
    }

    /**
     * As {@link #quantize(WeightQuantizer, float[], int[], QuantConfig, QuantMethod)} with the weight's quantizer
     * spec given (the fork's open_clip MXQ patch keeps its base config's {@code round_zero}, True, for every bit
     * width).
     */
    public static HqqLinear quantize(WeightQuantizer quantizer, float[] w, int[] shape, QuantConfig config,
                                     QuantMethod method, Hqq.Spec spec) {
        QuantizedTensor q = quantizer.apply(w, shape, spec);
        int m = q.columns();
        if (m % config.metaGroup() != 0) {
            throw new IllegalArgumentException("scale meta-quantization needs " + m + " groups to be divisible by "
                    + config.metaGroup() + " (shape " + java.util.Arrays.toString(shape) + ", " + config + ")");
        }
        // step sizes: RTN, metaBits, groups of metaGroup along axis 0 of the [1, M] tensor
        QuantizedTensor scales = Hqq.quantize(q.scale(), new int[] {1, m}, Hqq.Spec.rtn(config.metaBits(), config.metaGroup()));
        // zeros: RTN, 8 bits, one global min/max (channel_wise=False) == one group spanning the whole tensor
        QuantizedTensor zeros = Hqq.quantize(q.zero(), new int[] {1, m}, Hqq.Spec.rtn(8, m));
        // the fork moves every meta value to fp16 (HQQLinear.cuda())
        return new HqqLinear(config, method, q, toHalf(scales), toHalf(zeros));
    }

    /**
     * As the fork's {@code HQQLinear} with {@code quant_scale=False} (CLIP_benchmark's HQQ baseline of the original's
     * ViT runs): the step sizes stay fp16, the zeros are meta-quantized globally. The fp16 steps are held exactly in
     * the meta-quantized form, one value per meta group (code 1, zero 0, the fp16 step as the group's step), so the
     * config returned in the layer has meta group 1; memory figures derived from that config overstate the
     * scales' storage (one byte and two fp16 values per group instead of one fp16 value).
     */
    public static HqqLinear quantizeWithFp16Scales(WeightQuantizer quantizer, float[] w, int[] shape,
                                                   QuantConfig config, QuantMethod method) {
        QuantizedTensor q = quantizer.apply(w, shape, method.deploymentSpec(config));
        int m = q.columns();
        // step sizes: fp16, exactly as (1 - 0) * step per one-value group
        byte[] ones = new byte[m];
        java.util.Arrays.fill(ones, (byte) 1);
        QuantizedTensor scales = new QuantizedTensor(new int[] {1, m}, 8, 1, ones, q.scale().clone(), new float[m]);
        // zeros: RTN, 8 bits, one global min/max, as with meta-quantized scales
        QuantizedTensor zeros = Hqq.quantize(q.zero(), new int[] {1, m}, Hqq.Spec.rtn(8, m));
        QuantConfig exact = new QuantConfig(config.bits(), config.group(), 8, 1);
        return new HqqLinear(exact, method, q, toHalf(scales), toHalf(zeros));
    }

    private static QuantizedTensor toHalf(QuantizedTensor t) {
        float[] s = t.scale().clone();
        float[] z = t.zero().clone();
        for (int i = 0; i < s.length; i++) {
            s[i] = Floats.toHalf(s[i]);
            z[i] = Floats.toHalf(z[i]);
        }
        return new QuantizedTensor(t.shape(), t.bits(), t.group(), t.codes(), s, z);
    }

    /** The weight as deployed: fp16 values widened to float32, {@code [out, in]} row-major. */
    public float[] dequantize() {
        float[] step = scales.dequantizeHalf();   // [M] fp16
        float[] zero = zeros.dequantizeHalf();    // [M] fp16
        return new QuantizedTensor(weight.shape(), weight.bits(), weight.group(), weight.codes(), step, zero)
                .dequantizeHalf();
    }

    /** The weight's codes packed in the fork's layout. */
    public BitPacker.Packed packedWeight() {
        return BitPacker.pack(weight.codes(), weight.group(), weight.columns(), weight.bits());
    }

    /** The deployable form: packed codes with the meta-quantized step sizes and zeros (what a snapshot stores). */
    public PackedHqq packed() {
        return new PackedHqq(config, method, weight.shape(), packedWeight(), scales, zeros);
    }

    /** Rebuilds a quantized linear from packed codes and meta tensors (a loaded snapshot). */
    public static HqqLinear fromPacked(QuantConfig config, QuantMethod method, int[] shape, BitPacker.Packed packed,
                                       QuantizedTensor scales, QuantizedTensor zeros) {
        int g = config.group();
        byte[] codes = BitPacker.unpack(packed, g, config.bits());
        int m = codes.length / g;
        // the weight's own step and zero are not stored: dequantize() rebuilds them from the meta tensors
        QuantizedTensor w = new QuantizedTensor(shape, config.bits(), g, codes, new float[m], new float[m]);
        return new HqqLinear(config, method, w, scales, zeros);
    }
}
