package org.lmqt.clip;

import java.util.Optional;
import org.lmqt.quant.HqqLinear;
import org.lmqt.quant.MatrixChoice;
import org.lmqt.quant.MatrixQuantizers;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantizedMatrix;
import org.lmqt.quant.WeightQuantizer;

/** How a CLIP matrix is quantized for deployment. */
public enum ClipDeployment {
    /** As lmqt deploys LLM matrices (HQQ/RTN: meta-quantized scales and zeros, {@code round_zero} for 4-bit). */
    STANDARD,
    /**
     * The original's ViT HQQ baseline (CLIP_benchmark's {@code BaseQuantizeConfig(nbits, group_size)}): scales kept
     * in fp16 ({@code quant_scale=False}), zeros meta-quantized, {@code round_zero} for 4-bit.
     */
    OPEN_CLIP_HQQ,
    /**
     * The fork's open_clip MXQ patch: scales and zeros meta-quantized, and {@code round_zero} for every matrix
     * (the patch overwrites bits and group size per matrix but keeps its base config's {@code round_zero}, True; the
     * Llama patch sets it for 4-bit matrices only).
     */
    OPEN_CLIP_MXQ;

    /** The matrix {@code w [out, in]} quantized with {@code choice} (config already fitted to the matrix). */
    QuantizedMatrix quantize(MatrixChoice choice, QuantConfig config, float[] w, int[] shape, WeightQuantizer kernel) {
        if (this == STANDARD || !choice.method().isHqq()) {
            return MatrixQuantizers.of(choice, kernel).quantize(w, shape, config, Optional.empty());
        }
        if (this == OPEN_CLIP_HQQ) {
            return HqqLinear.quantizeWithFp16Scales(kernel, w, shape, config, choice.method()).packed();
        }
        return HqqLinear.quantize(kernel, w, shape, config, choice.method(),
                choice.method().deploymentSpec(config).withRoundZero(true)).packed();
    }
}
