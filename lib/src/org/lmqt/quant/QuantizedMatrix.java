package org.lmqt.quant;

import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.SafetensorsWriter;

/**
 * A weight matrix in a quantized format, as it is deployed: what every format (HQQ/RTN as {@link PackedHqq};
 * bitsandbytes as {@link Nf4Matrix} and {@link Int8Matrix}; GPTQ and AWQ next) offers the model runtime and the
 * snapshot writer. The model's layer factory turns it into a layer that computes with it; formats without such a
 * layer run dequantized.
 */
public interface QuantizedMatrix {

    /** The format's name in snapshots ({@code hqq}). */
    String format();

    /** The matrix's shape {@code [out, in]}. */
    int[] shape();

    /** The weight as deployed, widened to float32, {@code [out, in]} row-major. */
    float[] dequantize();

    /** The type the dequantized values are exact in (fp16 unless the format says otherwise). */
    default DType deployedType() {
        return DType.F16;
    }

    /** Bytes of the format's tensors (codes and meta values), as a snapshot stores them. */
    long storageBytes();

    /** Writes the format's tensors under {@code prefix} ({@code model.layers.0.self_attn.q_proj}). */
    void writeTo(SafetensorsWriter writer, String prefix);
}
