package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;

/**
 * How LLMC's naive KV cache fake-quantizes the keys or values of one layer, {@code [KV, T, d]}, dynamically (the
 * parameters come from the tensor itself): with its integer quantizer ({@link IntegerKvQuantizer}) or its float
 * quantizer ({@link FloatKvQuantizer}).
 */
public sealed interface NaiveKvQuantizer permits IntegerKvQuantizer, FloatKvQuantizer {
    /** The fake-quantized {@code x [KV, T, d]}, same shape. */
    NDArray apply(NDArray x);

    /** The config name after {@code naive} ({@code 8-asym}, {@code -e4m3-g32}). */
    String suffix();

    /** A one-line error when the granularity does not fit {@code headDim}. */
    void checkFits(String name, int headDim);

    /** Bytes one token's keys (or values) take in one layer: codes plus the step of each group, as fp16. */
    double bytesPerToken(int kvHeads, int headDim);
}
