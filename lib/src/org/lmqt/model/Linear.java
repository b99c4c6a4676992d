package org.lmqt.model;

import ai.djl.ndarray.NDArray;

/**
 * A linear layer {@code y = x W^T + b} on the device.
 *
 * @param weight {@code [out, in]}
 * @param bias   {@code [out]}, or null (Llama has none; Qwen2 has q/k/v biases)
 */
record Linear(NDArray weight, NDArray bias) {

    /** {@code x [T, in] -> [T, out]}. */
    NDArray apply(NDArray x) {
        NDArray y = x.matMul(weight.transpose()); // [T, out]
        return bias == null ? y : y.add(bias);
    }
}
