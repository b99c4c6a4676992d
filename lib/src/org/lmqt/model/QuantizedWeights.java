package org.lmqt.model;

import java.util.Optional;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.quant.MatrixChoice;
import org.lmqt.quant.MatrixQuantizers;
import org.lmqt.quant.QuantPlan;
import org.lmqt.quant.QuantizedMatrix;
import org.lmqt.quant.WeightQuantizer;

/**
 * A checkpoint whose linear layers are quantized as they are read, with {@code plan}, exactly as the original
 * deploys them (HQQ/RTN: meta-quantized scales and zeros, fp16 values; bitsandbytes NF4 with double
 * quantization, fp16 values; LLM.int8 weights). Other tensors, and the matrices the plan
 * leaves unquantized, pass through unchanged.
 */
public final class QuantizedWeights extends CheckpointWeights {
    private final QuantPlan plan;
    private final WeightQuantizer kernel;

    /**
     * Quantizes the linear layers of {@code ckpt} with {@code plan} on {@code kernel} (the Java kernel on the CPU,
     * {@code DjlHqq} on a GPU: see {@code DjlHqq.allCoresFor}).
     */
    public QuantizedWeights(Checkpoint ckpt, QuantPlan plan, WeightQuantizer kernel) {
        super(ckpt);
        this.plan = plan;
        this.kernel = kernel;
    }

    /** The plan. */
    public QuantPlan plan() {
        return plan;
    }

    @Override
    public Optional<QuantizedMatrix> quantized(MatrixKey key) {
        Optional<MatrixChoice> choice = plan.choiceFor(key);
        if (choice.isEmpty()) {
            return Optional.empty();
        }
        Tensor w = ckpt.tensor(key.weightName(family())); // [out, in]
        return Optional.of(MatrixQuantizers.of(choice.get(), kernel).quantize(w.data(), w.shape(), choice.get().config(), Optional.empty()));
    }

    @Override
    public Tensor tensor(String name) {
        Optional<QuantizedMatrix> q = MatrixKey.ofWeight(name, family()).flatMap(this::quantized);
        return q.map(m -> new Tensor(name, m.shape(), m.dequantize(), m.deployedType())).orElseGet(() -> ckpt.tensor(name));
    }
}
