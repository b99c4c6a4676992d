package org.lmqt.quant;

import org.lmqt.checkpoint.SafetensorsWriter;

/**
 * A weight matrix in a quantized format, as it is deployed: what every format (HQQ/RTN today; GPTQ, AWQ, NF4 next)
 * offers the model runtime and the snapshot writer. The model's layer factory turns it into a layer that computes
 * with it; formats without such a layer run dequantized.
 */
public interface QuantizedMatrix {

    /** The format's name in snapshots ({@code hqq}). */
    String format();

    /** The matrix's shape {@code [out, in]}. */
    int[] shape();

    /** The weight as deployed, widened to float32, {@code [out, in]} row-major. */
    float[] dequantize();

    /** Bytes of the format's tensors (codes and meta values), as a snapshot stores them. */
    long storageBytes();

    /** Writes the format's tensors under {@code prefix} ({@code model.layers.0.self_attn.q_proj}). */
    void writeTo(SafetensorsWriter writer, String prefix);
}
