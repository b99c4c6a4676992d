package org.lmqt.lkd;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;

/**
 * The straight-through estimator of DeepSpeed's quantizers ({@code SymQuantizer.backward} returns the incoming
 * gradient unchanged): the forward value is the fake-quantized copy exactly, the gradient reaches the input as if
 * the quantization were the identity.
 */
public final class Ste {
    private Ste() {}

    /**
     * {@code q + (x - stop(x))} with {@code q} = {@code quantized} (row-major, {@code x}'s shape): the value is
     * {@code q} exactly ({@code x - x} is 0), the gradient with respect to {@code x} is the identity.
     */
    public static NDArray of(NDArray x, float[] quantized) {
        NDArray q = x.getManager().create(quantized, x.getShape());                 // same shape as x, float32
        if (x.getDataType() != DataType.FLOAT32) {
            q = q.toType(x.getDataType(), false);
        }
        return q.add(x.sub(x.stopGradient()));
    }

    /** The values of {@code x} as float32, row-major (no gradient). */
    public static float[] floats(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 ? x.toFloatArray()
                : x.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
