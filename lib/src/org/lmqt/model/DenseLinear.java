package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import org.lmqt.checkpoint.MatrixKey;

/**
 * A linear layer with a dense weight on the device (float32 on the CPU, float16 on CUDA).
 *
 * @param key    which matrix
 * @param weight {@code [out, in]}
 * @param bias   {@code [out]}, or null (Llama has none; Qwen2 has q/k/v biases)
 */
public record DenseLinear(MatrixKey key, NDArray weight, NDArray bias) implements LinearLayer {

    @Override
    public NDArray forward(NDArray x) {
        NDArray y = x.matMul(weight.transpose()); // [T, out]
        return bias == null ? y : y.add(bias);
    }

    @Override
    public int outFeatures() {
        return (int) weight.getShape().get(0);
    }

    @Override
    public int inFeatures() {
        return (int) weight.getShape().get(1);
    }

    @Override
    public long deviceBytes() {
        return LinearFactory.bytes(weight) + LinearFactory.bytes(bias);
    }
}
