package org.lmqt.model;

import org.lmqt.device.ComputeDevice;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.WeightQuantizer;
import org.lmqt.quant.HqqLinear;

/**
 * A checkpoint whose linear layers are replaced by their quantized-then-dequantized weights, exactly as the
 * original deploys them ({@link HqqLinear}: meta-quantized scales and zeros, fp16 values). Other tensors pass
 * through unchanged.
 */
public final class QuantizedWeights extends CheckpointWeights {
    private final QuantPlan plan;
    // the Java kernel on all cores on CPU, DJL on CUDA (LMQT_DEVICE=cuda)
    private final WeightQuantizer quantizer = ComputeDevice.fromEnvironment() == ComputeDevice.CPU
            ? Hqq.parallel() : new DjlHqq(ComputeDevice.fromEnvironment());

    /** Quantizes the linear layers of {@code ckpt} with {@code plan} as they are read. */
    public QuantizedWeights(Checkpoint ckpt, QuantPlan plan) {
        super(ckpt);
        this.plan = plan;
    }

    /** Quantizes one linear weight. */
    public HqqLinear quantize(String tensorName) {
        LinearName ln = LinearName.parse(tensorName).orElseThrow(() ->
                new IllegalArgumentException(tensorName + " is not a quantizable linear weight"));
        Tensor w = ckpt.tensor(tensorName); // [out, in]
        return HqqLinear.quantize(quantizer, w.data(), w.shape(), plan.configFor(ln.layer(), ln.module()),
                plan.method());
    }

    @Override
    public Tensor tensor(String name) {
        if (LinearName.parse(name).isEmpty()) {
            return ckpt.tensor(name);
        }
        HqqLinear q = quantize(name);
        return new Tensor(name, q.weight().shape(), q.dequantize(), DType.F16);
    }
}
