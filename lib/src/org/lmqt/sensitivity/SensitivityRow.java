package org.lmqt.sensitivity;

import org.lmqt.checkpoint.BlockPart;

/**
 * One row of the original's sensitivity CSV (lmqt-spec §5.4): how much block part {@code part} of layer
 * {@code layer} changes, as the mean squared difference of its output, when only its weights are quantized.
 *
 * @param dataset     calibration set label
 * @param part        block part
 * @param model       short model id
 * @param nbits       weight bits
 * @param groupSize   weights per group
 * @param layer       block index
 * @param sensitivity {@code mean((y - y')^2)}, a float32 value
 */
public record SensitivityRow(String dataset, BlockPart part, String model, int nbits, int groupSize, int layer,
                             float sensitivity) {
    public SensitivityRow {
        if (dataset.isBlank() || model.isBlank() || layer < 0 || nbits <= 0 || groupSize <= 0) {
            throw new IllegalArgumentException("invalid sensitivity row " + dataset + "," + part + "," + model + ","
                    + nbits + "," + groupSize + "," + layer);
        }
    }

    /** The CSV header {@code dataset,part,model,nbits,group_size,layer,sensitivity}. */
    public static final String HEADER = "dataset,part,model,nbits,group_size,layer,sensitivity";

    /** The CSV line, the value as pandas writes a float32 widened to float64. */
    public String csvLine() {
        return dataset + "," + part.label() + "," + model + "," + nbits + "," + groupSize + "," + layer + ","
                + org.lmqt.io.PyFloat.repr(sensitivity);
    }
}
