package org.lmqt.quant;

import java.util.Optional;

/**
 * HQQ or RTN as the fork deploys them ({@link HqqLinear}), data-free.
 *
 * @param method HQQ (proximal zero optimisation) or RTN
 * @param kernel the kernel that runs the quantization (the Java kernel, or {@link DjlHqq} on a GPU)
 */
public record HqqQuantizer(QuantMethod method, WeightQuantizer kernel) implements MatrixQuantizer {

    @Override
    public PackedHqq quantize(float[] w, int[] shape, QuantConfig config, Optional<CalibrationInputs> calibration) {
        return HqqLinear.quantize(kernel, w, shape, config, method).packed();
    }
}
