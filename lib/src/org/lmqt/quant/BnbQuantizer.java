package org.lmqt.quant;

import java.util.Optional;
import org.lmqt.checkpoint.DType;

/**
 * bitsandbytes' data-free weight formats as the original loads models with them ({@code BNB_CONFIGS}); calibration
 * inputs are ignored.
 */
public enum BnbQuantizer implements MatrixQuantizer {
    /**
     * NF4 with double quantization ({@link Nf4Matrix}), blocks of the config's group size ({@code b4g64}: 64),
     * dequantized in fp16 (the original's compute dtype).
     */
    NF4 {
        @Override
        public Nf4Matrix quantize(float[] w, int[] shape, QuantConfig config, Optional<CalibrationInputs> calibration) {
            return Nf4Matrix.quantize(w, shape, config.group(), DType.F16);
        }
    },
    /** LLM.int8 weights ({@link Int8Matrix}): row-wise, the config's group size is only a name ({@code b8g128}). */
    INT8 {
        @Override
        public Int8Matrix quantize(float[] w, int[] shape, QuantConfig config, Optional<CalibrationInputs> calibration) {
            return Int8Matrix.quantize(w, shape);
        }
    }
}
