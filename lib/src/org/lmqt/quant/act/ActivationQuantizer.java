package org.lmqt.quant.act;

import org.lmqt.checkpoint.MatrixKey;

/**
 * Fake quantization of a linear layer's input {@code x [tokens, features]} (row-major float32): returns the
 * values the layer computes with. Static methods use the key to find their calibrated range.
 */
@FunctionalInterface
public interface ActivationQuantizer {

    /** The fake-quantized copy of {@code x}; {@code key} names the linear layer. */
    float[] apply(MatrixKey key, float[] x, int features);
}
