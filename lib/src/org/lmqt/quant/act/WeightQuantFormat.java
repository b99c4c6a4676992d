package org.lmqt.quant.act;

/**
 * Fake quantization of a weight {@code [rows, cols]} (row-major float32), and what a deployment stores per weight.
 */
public interface WeightQuantFormat {

    /** The format's name in reports and {@link org.lmqt.quant.FakeQuantMatrix#format()}. */
    String name();

    /** The fake-quantized copy of {@code w}. */
    float[] apply(float[] w, int rows, int cols);

    /** Bits per weight of a deployment (codes plus scales). */
    double bitsPerWeight(int rows, int cols);

    /** The matrix of {@code w}. */
    default org.lmqt.quant.FakeQuantMatrix quantize(float[] w, int rows, int cols) {
        return new org.lmqt.quant.FakeQuantMatrix(name(), new int[] {rows, cols}, apply(w, rows, cols),
                bitsPerWeight(rows, cols));
    }
}
