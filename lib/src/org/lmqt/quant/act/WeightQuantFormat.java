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

    /** The symmetric integer codes of {@code w} in this format, for the formats that have them. */
    default java.util.Optional<org.lmqt.quant.IntCodes> codes(float[] w, int rows, int cols) {
        return java.util.Optional.empty();
    }

    /**
     * The matrix of {@code w}, with its integer codes where the format has them and they rebuild the
     * fake-quantized values exactly (they do unless a group is degenerate, e.g. DeepSpeed's NaN of a zero group).
     */
    default org.lmqt.quant.FakeQuantMatrix quantize(float[] w, int rows, int cols) {
        float[] values = apply(w, rows, cols);
        java.util.Optional<org.lmqt.quant.IntCodes> codes = codes(w, rows, cols)
                .filter(c -> c.rebuilds(values));
        return new org.lmqt.quant.FakeQuantMatrix(name(), new int[] {rows, cols}, values, bitsPerWeight(rows, cols),
                codes);
    }
}
