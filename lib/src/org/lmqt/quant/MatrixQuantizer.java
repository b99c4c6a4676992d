package org.lmqt.quant;

import java.util.Optional;

/** Quantizes one weight matrix into a {@link QuantizedMatrix}: weights in, calibration inputs in when it needs them. */
public interface MatrixQuantizer {

    /**
     * Quantizes {@code w} ({@code shape = [out, in]}, row-major float32) with {@code config}.
     *
     * @param calibration what the layer saw on calibration data; data-free quantizers ignore it
     */
    QuantizedMatrix quantize(float[] w, int[] shape, QuantConfig config, Optional<CalibrationInputs> calibration);
}
