package org.lmqt.quant;

/** How a weight matrix's codes are chosen. */
public enum QuantMethod {
    /** Min-max round-to-nearest with HQQ's grouping and meta-quantization. */
    RTN,
    /** HQQ: the proximal optimisation of the zero point. */
    HQQ;

    /** The quantizer spec for a config (deployment: {@code round_zero} for 4-bit, as the fork's config does). */
    public Hqq.Spec deploymentSpec(QuantConfig config) {
        Hqq.Spec base = this == HQQ ? Hqq.Spec.hqq(config.bits(), config.group()) : Hqq.Spec.rtn(config.bits(), config.group());
        return base.withRoundZero(config.bits() == 4);
    }
}
