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

    /**
     * DeepSpeed's {@code SymQuantizer} per row of the last dimension, on the device, without a gradient: the same
     * float32 operations as {@link org.lmqt.quant.zeroquant.DeepSpeedQuantizer#perToken} ({@code step = 2 max|x| /
     * 2^b}, round half to even, clamp to {@code [-2^(b-1), 2^(b-1) - 1]}, times the step), so the values are the
     * same bit for bit (on the CPU, float32; tested) and the input never leaves the device.
     */
    public static NDArray deepSpeedPerToken(NDArray x, int bits) {
        float qRange = (float) (1L << bits);
        NDArray v = x.stopGradient().toType(DataType.FLOAT32, false);                  // [T, in]
        NDArray step = v.abs().max(new int[] {-1}, true).mul(2f).div(qRange);           // [T, 1]
        NDArray q = v.div(step).round().clip(-qRange / 2, qRange / 2 - 1).mul(step);     // [T, in]
        return q.getDataType() == x.getDataType() ? q : q.toType(x.getDataType(), false);
    }

    /** {@code q + (x - stop(x))} for a {@code q} already on the device (no gradient), {@code x}'s shape and type. */
    public static NDArray of(NDArray x, NDArray quantized) {
        return quantized.stopGradient().add(x.sub(x.stopGradient()));
    }

    /** The values of {@code x} as float32, row-major (no gradient). */
    public static float[] floats(NDArray x) {
        return x.getDataType() == DataType.FLOAT32 ? x.toFloatArray()
                : x.toType(DataType.FLOAT32, false).toFloatArray();
    }
}
