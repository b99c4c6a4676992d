package org.lmqt.model;

import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.Tensor;

/**
 * Where the decoder's weights come from: a Hugging Face checkpoint, the same with quantized linear layers
 * ({@link QuantizedWeights}), or a quantized snapshot ({@link QuantizedSnapshot}). Tensors are float32, by HF name.
 */
public interface WeightSource extends AutoCloseable {

    /** The model's config. */
    ModelConfig config();

    /** True when the source holds {@code name}. */
    boolean contains(String name);

    /** The tensor {@code name} as float32. */
    Tensor tensor(String name);

    /** Closes files; the default does nothing. */
    @Override
    default void close() {}

    /** A checkpoint as a source (closing the source closes the checkpoint). */
    static WeightSource of(Checkpoint ckpt) {
        return new CheckpointWeights(ckpt);
    }
}
