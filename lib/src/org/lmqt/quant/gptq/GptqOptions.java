package org.lmqt.quant.gptq;

/**
 * GPTQ's options besides bits and group size, as AutoGPTQ's {@code BaseQuantizeConfig} and {@code fasterquant} name
 * them (calib-methods-spec §1, §2.3). {@link #DEFAULT} is the original toolkit's configuration.
 *
 * @param sym          symmetric quantization (zero fixed at {@code (maxq+1)/2}); else asymmetric, zero rounded
 * @param descAct      act-order: process columns by decreasing Hessian diagonal
 * @param staticGroups group parameters from the unmodified weight, before any update (in original column order)
 * @param perChannel   one group per row ({@code group_size = -1}); the config's group size is then ignored
 * @param dampPercent  damping added to the Hessian's diagonal, as a fraction of its mean (0.01)
 * @param blockSize    columns per lazy batch update (128)
 * @param seqLen       calibration tokens per {@code add_batch} call when {@link org.lmqt.quant.CalibrationInputs}
 *                     are cut into sequences (512 in the toolkit; a shorter last sequence is accepted)
 */
public record GptqOptions(boolean sym, boolean descAct, boolean staticGroups, boolean perChannel, double dampPercent,
                          int blockSize, int seqLen) {

    /** Symmetric, natural order, dynamic groups, damp 0.01, blocks of 128, sequences of 512 tokens. */
    public static final GptqOptions DEFAULT = new GptqOptions(true, false, false, false, 0.01, 128, 512);

    public GptqOptions {
        if (!(dampPercent > 0 && dampPercent < 1)) {
            throw new IllegalArgumentException("damp percent must be in (0, 1), not " + dampPercent);
        }
        if (blockSize <= 0 || seqLen <= 0) {
            throw new IllegalArgumentException("block size and sequence length must be positive: " + blockSize
                    + ", " + seqLen);
        }
    }

    /** With symmetric ({@code true}) or asymmetric quantization. */
    public GptqOptions withSym(boolean value) {
        return new GptqOptions(value, descAct, staticGroups, perChannel, dampPercent, blockSize, seqLen);
    }

    /** With act-order on or off. */
    public GptqOptions withDescAct(boolean value) {
        return new GptqOptions(sym, value, staticGroups, perChannel, dampPercent, blockSize, seqLen);
    }

    /** With static groups on or off. */
    public GptqOptions withStaticGroups(boolean value) {
        return new GptqOptions(sym, descAct, value, perChannel, dampPercent, blockSize, seqLen);
    }

    /** With one group per row ({@code group_size = -1}) or the config's groups. */
    public GptqOptions withPerChannel(boolean value) {
        return new GptqOptions(sym, descAct, staticGroups, value, dampPercent, blockSize, seqLen);
    }

    /** With calibration sequences of {@code tokens} rows. */
    public GptqOptions withSeqLen(int tokens) {
        return new GptqOptions(sym, descAct, staticGroups, perChannel, dampPercent, blockSize, tokens);
    }
}
