package org.lmqt.model;

import java.util.Optional;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.checkpoint.ModelFamily;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.quant.QuantizedMatrix;

/**
 * A quantized folder as a weight source: linear layers stored in a format ({@link #quantized}), every other tensor
 * stored as it is. The format is asked first, since some layouts (bitsandbytes) store their codes under the weight's
 * own name.
 */
abstract class StoredQuantizedSource implements WeightSource {
    private final ModelConfig config;
    private final ModelFamily family;

    StoredQuantizedSource(ModelConfig config) {
        this.config = config;
        this.family = ModelFamily.of(config);
    }

    /** True when the file holds a tensor of that name as it is. */
    abstract boolean stores(String name);

    /** The tensor of that name as the file holds it. */
    abstract Tensor stored(String name);

    /** True when the linear layer under {@code modulePath} is stored quantized. */
    abstract boolean storesQuantized(String modulePath);

    @Override
    public ModelConfig config() {
        return config;
    }

    @Override
    public boolean contains(String name) {
        return stores(name) || MatrixKey.ofWeight(name, family).map(k -> storesQuantized(k.modulePath(family)))
                .orElse(false);
    }

    @Override
    public Tensor tensor(String name) {
        Optional<QuantizedMatrix> q = MatrixKey.ofWeight(name, family).flatMap(this::quantized);
        return q.map(m -> new Tensor(name, m.shape(), m.dequantize(), m.deployedType())).orElseGet(() -> stored(name));
    }
}
