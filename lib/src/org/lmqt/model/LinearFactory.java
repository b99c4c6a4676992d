package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Arrays;
import java.util.Optional;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.Int8Matrix;
import org.lmqt.quant.awq.AwqMatrix;
import org.lmqt.quant.gptq.GptqMatrix;
import org.lmqt.quant.Nf4Matrix;
import org.lmqt.quant.PackedHqq;
import org.lmqt.quant.QuantizedMatrix;

/**
 * Builds each linear layer of the decoder from its weight source: the one place where a weight's format decides the
 * layer's implementation. {@link #STANDARD} keeps HQQ/RTN matrices packed ({@link PackedHqqLinear}) and makes
 * every other matrix dense; {@link #DENSE} dequantizes everything once at load time (faster generation, the memory
 * of an unquantized model). A new format plugs in as a factory that handles its {@link QuantizedMatrix} and
 * delegates the rest: <pre>{@code
 * LinearFactory mine = (key, source, out, in, nd, dev) ->
 *     source.quantized(key).filter(q -> q instanceof MyFormat)
 *           .map(q -> (LinearLayer) new MyLayer(key, (MyFormat) q, nd))
 *           .orElseGet(() -> LinearFactory.STANDARD.build(key, source, out, in, nd, dev));
 * }</pre>
 */
@FunctionalInterface
public interface LinearFactory {

    /**
     * The layer of matrix {@code key}, its arrays attached to {@code manager}.
     *
     * @param out expected output features (from {@code config.json})
     * @param in  expected input features
     */
    LinearLayer build(MatrixKey key, WeightSource source, int out, int in, NDManager manager, ComputeDevice device);

    /**
     * Packed HQQ/RTN, NF4, GPTQ and AWQ layers ({@link PackedGroupLinear}), LLM.int8 with its outlier decomposition
     * ({@link Int8LtLinear}); dense layers for everything else, formats without a packed layer on their
     * {@link QuantizedMatrix#dequantize() dequantized} weight, quantized once.
     */
    LinearFactory STANDARD = (key, source, out, in, manager, device) -> {
        NDArray bias = bias(key, source, out, manager, device);
        Optional<QuantizedMatrix> q = source.quantized(key);
        if (q.isEmpty()) {
            return dense(key, source, out, in, manager, device, bias);
        }
        String name = key.weightName(source.family());
        checkShape(name, q.get().shape(), out, in);
        if (q.get() instanceof PackedHqq h) {
            return PackedHqqLinear.of(key, h, bias, manager, device);
        }
        if (q.get() instanceof Nf4Matrix n && n.dtype() == DType.F16) {
            return PackedNf4Linear.of(key, n, bias, manager, device);
        }
        if (q.get() instanceof GptqMatrix g) {
            return PackedGroupLinear.of(key, g, bias, manager, device);
        }
        if (q.get() instanceof AwqMatrix a) {
            return PackedGroupLinear.of(key, a, bias, manager, device);
        }
        if (q.get() instanceof Int8Matrix i) {
            return Int8LtLinear.of(key, i, Int8LtLinear.DEFAULT_THRESHOLD, bias, manager, device);
        }
        Tensor w = new Tensor(name, q.get().shape(), q.get().dequantize(), q.get().deployedType()); // [out, in]
        return new DenseLinear(key, array(w, manager, device, out, in), bias);
    };

    /** Dense layers only (quantized matrices dequantized once, as deployed). */
    LinearFactory DENSE = (key, source, out, in, manager, device) ->
            dense(key, source, out, in, manager, device, bias(key, source, out, manager, device));

    private static LinearLayer dense(MatrixKey key, WeightSource source, int out, int in, NDManager manager,
                                     ComputeDevice device, NDArray bias) {
        return new DenseLinear(key, array(source, key.weightName(source.family()), manager, device, out, in), bias);
    }

    private static NDArray bias(MatrixKey key, WeightSource source, int out, NDManager manager, ComputeDevice device) {
        String name = key.biasName(source.family());
        return source.contains(name) ? array(source, name, manager, device, out) : null;
    }

    /** A source tensor on the device in the device's type, its shape checked against the config. */
    static NDArray array(WeightSource source, String name, NDManager manager, ComputeDevice device,
                         int... expectedShape) {
        return array(source.tensor(name), manager, device, expectedShape);
    }

    /** A tensor on the device in the device's type, its shape checked against the config. */
    private static NDArray array(Tensor t, NDManager manager, ComputeDevice device, int... expectedShape) {
        checkShape(t.name(), t.shape(), expectedShape);
        long[] dims = Arrays.stream(t.shape()).asLongStream().toArray();
        NDArray a = manager.create(t.data(), new Shape(dims));
        if (device.weightType() == a.getDataType()) {
            return a;
        }
        NDArray converted = a.toType(device.weightType(), false);
        a.close();
        return converted;
    }

    private static void checkShape(String name, int[] actual, int... expected) {
        if (!Arrays.equals(actual, expected)) {
            throw new UserException(name + " has shape " + Arrays.toString(actual) + " but config.json implies "
                    + Arrays.toString(expected));
        }
    }

    /** Bytes of an array (0 for null). */
    static long bytes(NDArray a) {
        return a == null ? 0 : a.size() * a.getDataType().getNumOfBytes();
    }
}
