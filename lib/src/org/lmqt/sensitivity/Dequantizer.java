package org.lmqt.sensitivity;

import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.Nf4Matrix;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.WeightQuantizer;

/**
 * {@code dequant(quant(W))} of one matrix as the sensitivity tool applies it (lmqt-spec §4.9 step 5): the fork's
 * {@code Quantizer.quantize} with its defaults (axis 0, no {@code round_zero}, no meta-quantization) and its fp16
 * {@code dequantize}; or, for {@code bnb}, bitsandbytes' {@code Params4bit(blocksize=group_size, quant_type="nf4")}
 * and {@code dequantize_nf4}.
 */
@FunctionalInterface
public interface Dequantizer {

    /** The fp16 dequantized weight (widened to float32) of {@code w} ({@code shape = [out, in]}). */
    float[] apply(MatrixKey key, float[] w, int[] shape, QuantConfig config);

    /**
     * HQQ ({@code optimize=True}) or RTN ({@code optimize=False}) on {@code kernel}; NF4 (the original's {@code bnb}):
     * always 4-bit NF4 with double quantization in blocks of the config's group size, the config's bits ignored as
     * in the original, the weight quantized as read and the dequantized values rounded to fp16, as the original's
     * fp16 model sees them.
     */
    static Dequantizer of(QuantMethod method, WeightQuantizer kernel) {
        return switch (method) {
            case HQQ, RTN -> (key, w, shape, c) -> kernel.apply(w, shape, method == QuantMethod.HQQ
                    ? Hqq.Spec.hqq(c.bits(), c.group()) : Hqq.Spec.rtn(c.bits(), c.group())).dequantizeHalf();
            case NF4 -> (key, w, shape, c) -> Nf4Matrix.quantize(w, shape, c.group(), DType.F16).dequantize();
            case INT8, GPTQ, AWQ -> throw new IllegalArgumentException("the sensitivity tool quantizes with hqq, rtn "
                    + "or bnb (NF4), not " + method.name().toLowerCase(java.util.Locale.ROOT));
        };
    }
}
