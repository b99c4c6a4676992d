package org.lmqt.sensitivity;

import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.WeightQuantizer;

/**
 * {@code dequant(quant(W))} of one matrix as the sensitivity tool applies it (lmqt-spec §4.9 step 5): the fork's
 * {@code Quantizer.quantize} with its defaults (axis 0, no {@code round_zero}, no meta-quantization) and its fp16
 * {@code dequantize}.
 */
@FunctionalInterface
public interface Dequantizer {

    /** The fp16 dequantized weight (widened to float32) of {@code w} ({@code shape = [out, in]}). */
    float[] apply(MatrixKey key, float[] w, int[] shape, QuantConfig config);

    /** HQQ ({@code optimize=True}) or RTN ({@code optimize=False}) on {@code kernel}. */
    static Dequantizer of(QuantMethod method, WeightQuantizer kernel) {
        return (key, w, shape, c) -> kernel.apply(w, shape, method == QuantMethod.HQQ
                ? Hqq.Spec.hqq(c.bits(), c.group()) : Hqq.Spec.rtn(c.bits(), c.group())).dequantizeHalf();
    }
}
