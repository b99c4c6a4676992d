package org.lmqt.actquant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.model.ForwardHook;
import org.lmqt.quant.act.ActivationQuantizer;

/**
 * Fake-quantizes the input of every decoder linear layer ({@code lm_head} is never touched, as in every reference)
 * with an {@link ActivationQuantizer}, in float32 in Java (exact reference arithmetic on every device), and hands
 * the layer the result in the input's type.
 * <p>With {@code sharedInputQuirk}, the reference SmoothQuant's in-place quantization is reproduced: the linears
 * that read one tensor (q/k/v, gate/up) see it quantized by the first of them and quantize it again. lmqt's
 * default is off: each linear quantizes the input it is given (the results agree up to float rounding, since
 * absmax quantization is idempotent).
 */
public final class ActivationQuantHook implements ForwardHook {
    private final ActivationQuantizer quantizer;
    private final boolean sharedInputQuirk;
    private NDArray lastInput;
    private NDArray lastQuantized;

    public ActivationQuantHook(ActivationQuantizer quantizer, boolean sharedInputQuirk) {
        this.quantizer = quantizer;
        this.sharedInputQuirk = sharedInputQuirk;
    }

    /** Without the reference's in-place quirk. */
    public ActivationQuantHook(ActivationQuantizer quantizer) {
        this(quantizer, false);
    }

    @Override
    public NDArray linearInput(MatrixKey key, NDArray x) {
        NDArray in = sharedInputQuirk && x == lastInput ? lastQuantized : x;   // [T, in]
        // to float32 in Java, quantize, back in the input's type
        int features = (int) in.getShape().get(in.getShape().dimension() - 1);
        float[] values = in.getDataType() == DataType.FLOAT32 ? in.toFloatArray()
                : in.toType(DataType.FLOAT32, false).toFloatArray();
        NDArray q = in.getManager().create(quantizer.apply(key, values, features), in.getShape()); // [T, in]
        NDArray out = in.getDataType() == DataType.FLOAT32 ? q : q.toType(in.getDataType(), false);
        lastInput = x;
        lastQuantized = out;
        return out;
    }
}
