package org.lmqt.serve;

import java.nio.file.Path;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.ByteLevelTokenizerJson;
import org.lmqt.model.LoadedModel;

/** A tiny seeded Llama with a byte-level tokenizer, loaded once for a test class. */
public final class TinyServedModel {
    /** Context length of the tiny model. */
    public static final int POSITIONS = 256;

    private TinyServedModel() {}

    /** Writes the tiny model with {@link #POSITIONS} positions into {@code dir} and loads it on the CPU. */
    public static LoadedModel load(Path dir) {
        return load(dir, POSITIONS);
    }

    /** Writes the tiny model with {@code positions} positions into {@code dir} and loads it on the CPU. */
    public static LoadedModel load(Path dir, int positions) {
        new TinyLlama(2, 128, 256, 4, 2, 300, positions, 10000.0, false, DType.BF16, 7).write(dir);
        ByteLevelTokenizerJson.write(dir, 300);
        return LoadedModel.open(dir.toString(), ComputeDevice.parse("cpu"));
    }
}
