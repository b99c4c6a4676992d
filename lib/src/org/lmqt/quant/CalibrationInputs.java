package org.lmqt.quant;

/**
 * Inputs a layer saw on calibration data, for quantizers that use them (GPTQ's Hessian, AWQ's activation scales).
 *
 * @param values {@code [rows, cols]} row-major: one input vector of the layer per row
 * @param rows   number of input vectors (tokens)
 * @param cols   the layer's input features
 */
public record CalibrationInputs(float[] values, int rows, int cols) {
    public CalibrationInputs {
        if (rows <= 0 || cols <= 0 || (long) rows * cols != values.length) {
            throw new IllegalArgumentException("calibration inputs of " + values.length + " values are not ["
                    + rows + ", " + cols + "]");
        }
    }
}
