package org.lmqt.model;

import java.util.Optional;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.quant.QuantizedMatrix;

/**
 * Where the decoder's weights come from: a Hugging Face checkpoint, the same quantized on the fly
 * ({@link QuantizedWeights}), or a quantized snapshot ({@link QuantizedSnapshot}). Tensors are float32, by HF name;
 * a quantized matrix also comes in its own format, which the {@link LinearFactory} may keep.
 */
public interface WeightSource extends AutoCloseable {

    /** The model's config. */
    ModelConfig config();

    /** The model family (tensor naming). */
    default ModelFamily family() {
        return ModelFamily.of(config());
    }

    /** True when the source holds {@code name}. */
    boolean contains(String name);

    /** The tensor {@code name} as float32 (a quantized matrix dequantized as deployed). */
    Tensor tensor(String name);

    /** The matrix {@code key} in its quantized format, or empty when the source holds it dense. */
    default Optional<QuantizedMatrix> quantized(MatrixKey key) {
        return Optional.empty();
    }

    /** Closes files; the default does nothing. */
    @Override
    default void close() {}

    /** A checkpoint as a source (closing the source closes the checkpoint). */
    static WeightSource of(Checkpoint ckpt) {
        return new CheckpointWeights(ckpt);
    }
}
