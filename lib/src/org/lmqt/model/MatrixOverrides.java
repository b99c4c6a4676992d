package org.lmqt.model;

import java.util.Map;
import java.util.Optional;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.quant.QuantizedMatrix;

/**
 * A weight source whose listed matrices come quantized from elsewhere (a layer-wise method's results, such as GPTQ's
 * or AWQ's), and whose listed other tensors are replaced (AWQ's scaled norm weights); everything else is the base
 * source's. Closing it closes the base.
 *
 * @param base     the unquantized source
 * @param matrices the quantized matrices by key
 * @param tensors  replaced float32 tensors by name, with the base tensor's shape
 */
public record MatrixOverrides(WeightSource base, Map<MatrixKey, ? extends QuantizedMatrix> matrices,
                              Map<String, float[]> tensors) implements WeightSource {

    public MatrixOverrides {
        matrices = Map.copyOf(matrices);
        tensors = Map.copyOf(tensors);
    }

    /** Only quantized matrices replaced. */
    public MatrixOverrides(WeightSource base, Map<MatrixKey, ? extends QuantizedMatrix> matrices) {
        this(base, matrices, Map.of());
    }

    @Override
    public ModelConfig config() {
        return base.config();
    }

    @Override
    public boolean contains(String name) {
        return base.contains(name);
    }

    @Override
    public Optional<QuantizedMatrix> quantized(MatrixKey key) {
        QuantizedMatrix m = matrices.get(key);
        return m != null ? Optional.of(m) : base.quantized(key);
    }

    @Override
    public Tensor tensor(String name) {
        float[] replaced = tensors.get(name);
        if (replaced != null) {
            Tensor t = base.tensor(name);
            if (t.data().length != replaced.length) {
                throw new IllegalArgumentException(name + ": " + replaced.length + " values replace " + t.numel());
            }
            return new Tensor(name, t.shape(), replaced, DType.F32);
        }
        Optional<QuantizedMatrix> q = MatrixKey.ofWeight(name, family()).map(matrices::get);
        return q.map(m -> new Tensor(name, m.shape(), m.dequantize(), m.deployedType())).orElseGet(() -> base.tensor(name));
    }

    @Override
    public void close() {
        base.close();
    }
}
