package org.lmqt.quant;

/** How a weight matrix's codes are chosen (and so, for the bitsandbytes methods, its format). */
public enum QuantMethod {
    /** Min-max round-to-nearest with HQQ's grouping and meta-quantization. */
    RTN,
    /** HQQ: the proximal optimisation of the zero point. */
    HQQ,
    /** bitsandbytes NF4 with double quantization, blocks of the config's group size; 4-bit configs only. */
    NF4,
    /** bitsandbytes LLM.int8 weights (row-wise absmax); 8-bit configs only, the group size is only a name. */
    INT8,
    /** GPTQ as AutoGPTQ runs it (symmetric, natural order, damp 0.01), block by block on calibration windows. */
    GPTQ,
    /** AWQ as AutoAWQ runs it (duo scaling, zero point), block by block on calibration windows; 4-bit configs. */
    AWQ;

    /** True for the methods that need calibration data and quantize whole blocks ({@code layerwise}). */
    public boolean isCalibrated() {
        return this == GPTQ || this == AWQ;
    }

    /** True for the HQQ-family methods, whose matrices are {@link PackedHqq} (and snapshots can hold). */
    public boolean isHqq() {
        return this == HQQ || this == RTN;
    }

    /** The bit width this method requires, or 0 when it takes any supported width. */
    public int requiredBits() {
        return switch (this) {
            case NF4, AWQ -> 4;
            case INT8 -> 8;
            default -> 0;
        };
    }

    /** The quantizer spec for a config (deployment: {@code round_zero} for 4-bit, as the fork's config does). */
    public Hqq.Spec deploymentSpec(QuantConfig config) {
        if (!isHqq()) {
            throw new IllegalStateException(this + " is not an HQQ method");
        }
        Hqq.Spec base = this == HQQ ? Hqq.Spec.hqq(config.bits(), config.group()) : Hqq.Spec.rtn(config.bits(), config.group());
        return base.withRoundZero(config.bits() == 4);
    }
}
