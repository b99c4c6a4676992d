package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;

/**
 * A linear layer that keeps its weight in a compact format on the device and rebuilds it ({@link #weight()})
 * inside every forward call, as the original's HQQ and bitsandbytes backends do.
 */
abstract class PackedLinear implements LinearLayer {
    private final MatrixKey key;
    private final int[] shape;         // [out, in]
    private final ComputeDevice device;
    private final NDArray bias;        // [out] or null

    PackedLinear(MatrixKey key, int[] shape, ComputeDevice device, NDArray bias) {
        this.key = key;
        this.shape = shape.clone();
        this.device = device;
        this.bias = bias;
    }

    /** The weight rebuilt in fp16, {@code [out, in]}; belongs to the caller's scope. */
    public abstract NDArray weight();

    /** Bytes of the format's arrays on the device (the bias is counted by {@link #deviceBytes()}). */
    abstract long formatBytes();

    /** The bias {@code [out]}, or null. */
    NDArray bias() {
        return bias;
    }

    /** {@code [out, in]}. */
    int[] shape() {
        return shape;
    }

    @Override
    public NDArray forward(NDArray x) {
        NDArray w = weight().toType(device.weightType(), false);                       // [out, in]
        NDArray y = x.matMul(w.transpose());                                           // [T, out]
        return bias == null ? y : y.add(bias);
    }

    @Override
    public MatrixKey key() {
        return key;
    }

    @Override
    public int outFeatures() {
        return shape[0];
    }

    @Override
    public int inFeatures() {
        return shape[1];
    }

    @Override
    public long deviceBytes() {
        return formatBytes() + LinearFactory.bytes(bias);
    }
}
