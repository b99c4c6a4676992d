package org.lmqt.lkd;

import ai.djl.ndarray.NDArray;
import java.util.Optional;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.model.LinearLayer;
import org.lmqt.quant.act.ActivationQuantizer;
import org.lmqt.quant.act.WeightQuantFormat;

/**
 * A trainable fake-quantized linear layer (DeepSpeed's {@code LinearLayer_Compress} in training): on every forward
 * the weight and the input are fake-quantized in Java with the reference arithmetic (exactly the values the
 * deployed model computes with) and enter {@code y = xq wq^T + b} through {@link Ste}, so the gradients reach the
 * float weight, the bias and the input unchanged.
 *
 * @param key         which matrix
 * @param weight      {@code [out, in]}, the trainable float weight
 * @param bias        {@code [out]} or null
 * @param weights     the weight's fake quantization, if any
 * @param activations the input's fake quantization, if any
 */
public final class SteLinear implements LinearLayer {
    private final MatrixKey key;
    private final NDArray weight;   // [out, in]
    private final NDArray bias;     // [out] or null
    private final Optional<WeightQuantFormat> weights;
    private final Optional<ActivationQuantizer> activations;
    private final int deviceActBits;
    private NDArray quantizedWeight; // [out, in], built on the first forward (the weight does not change in a step)

    public SteLinear(MatrixKey key, NDArray weight, NDArray bias, Optional<WeightQuantFormat> weights,
                     Optional<ActivationQuantizer> activations) {
        this(key, weight, bias, weights, activations, 0);
    }

    /**
     * With {@code deviceActBits > 0} the input is quantized on the device by DeepSpeed's symmetric per-token
     * quantizer of that many bits ({@link Ste#deepSpeedPerToken}, the same values as the Java quantizer) instead of
     * {@code activations}: reading the input into Java during the forward pass made the gradients differ between
     * otherwise identical runs (see {@link LayerDistillation}).
     */
    public SteLinear(MatrixKey key, NDArray weight, NDArray bias, Optional<WeightQuantFormat> weights,
                     Optional<ActivationQuantizer> activations, int deviceActBits) {
        this.key = key;
        this.weight = weight;
        this.bias = bias;
        this.weights = weights;
        this.activations = activations;
        this.deviceActBits = deviceActBits;
    }

    @Override
    public MatrixKey key() {
        return key;
    }

    @Override
    public NDArray forward(NDArray x) {
        int in = inFeatures();
        int out = outFeatures();
        // fake-quantized input and weight, gradients straight through
        NDArray xq = deviceActBits > 0 ? Ste.of(x, Ste.deepSpeedPerToken(x, deviceActBits))  // [T, in]
                : activations.isEmpty() ? x
                : Ste.of(x, activations.get().apply(key, Ste.floats(x), in));            // [T, in]
        if (quantizedWeight == null) {
            quantizedWeight = weights.isEmpty() ? weight
                    : Ste.of(weight, weights.get().apply(Ste.floats(weight), out, in));   // [out, in]
        }
        // y = xq wq^T + b
        NDArray y = xq.matMul(quantizedWeight.transpose());                              // [T, out]
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
        return weight.size() * weight.getDataType().getNumOfBytes()
                + (bias == null ? 0 : bias.size() * bias.getDataType().getNumOfBytes());
    }
}
