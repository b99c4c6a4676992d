package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import org.lmqt.checkpoint.MatrixKey;

/**
 * A linear layer {@code y = x W^T + b} of the decoder, in whatever format its weight is held (dense, or packed
 * codes dequantized on the fly). The forward pass calls every linear layer through this interface only; the
 * {@link LinearFactory} chooses the implementation.
 */
public interface LinearLayer {

    /** Which matrix this is. */
    MatrixKey key();

    /** {@code x [T, in] -> [T, out]}, in the device's compute type; intermediates belong to the caller's scope. */
    NDArray forward(NDArray x);

    /** Output features. */
    int outFeatures();

    /** Input features. */
    int inFeatures();

    /** Bytes the layer's arrays take on the device (weight in its format, meta values, bias). */
    long deviceBytes();

    /**
     * Whether each output row depends on its own input row only, so a call's tokens may be split over several calls
     * with the same results up to rounding (true for a matmul; not for a layer that looks across tokens).
     */
    default boolean tokenwise() {
        return true;
    }
}
