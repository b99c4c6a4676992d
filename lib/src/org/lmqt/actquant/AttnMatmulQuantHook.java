package org.lmqt.actquant;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import org.lmqt.model.ForwardHook;
import org.lmqt.quant.smoothquant.MinMaxQuantizer;

/**
 * qllm-infer's {@code ActQuantMatMul} on both attention matmuls (act-kv-methods-spec §1.4): asymmetric min-max
 * ({@link MinMaxQuantizer}, {@code bits_a} bits) of each operand just before the product. The left operand is
 * quantized per row of its last dimension (Q per query token and head, P per query row), the right one per row of
 * its transpose: K per key token and head, V per channel and head across all the tokens attention reads. Keys and
 * values are quantized before grouped-query heads share them, which is the same as quantizing the repeated copies
 * (identical rows quantize identically).
 *
 * @param bits bits per operand value
 */
public record AttnMatmulQuantHook(int bits) implements ForwardHook {

    @Override
    public NDArray attnMatmulInput(int layer, AttnOperand operand, NDArray x) {
        MinMaxQuantizer q = new MinMaxQuantizer(bits, false);
        if (operand == AttnOperand.VALUE) {
            // per channel across tokens: rows of V transposed
            NDArray t = x.transpose(0, 2, 1);                                            // [KV, d, total]
            return rows(q, t).transpose(0, 2, 1);                                        // [KV, total, d]
        }
        return rows(q, x);                                                               // x's shape
    }

    /** Not token-wise: V's ranges span all the tokens attention reads, P's rows all the keys. */
    @Override
    public boolean tokenwise() {
        return false;
    }

    /** {@code x} quantized per row of its last dimension, in Java float32, back in its type. */
    private static NDArray rows(MinMaxQuantizer q, NDArray x) {
        int cols = (int) x.getShape().get(x.getShape().dimension() - 1);
        float[] v = x.getDataType() == DataType.FLOAT32 ? x.toFloatArray()
                : x.toType(DataType.FLOAT32, false).toFloatArray();                     // row-major copy
        NDArray out = x.getManager().create(q.fakeQuantize(v, cols), x.getShape());
        return x.getDataType() == DataType.FLOAT32 ? out : out.toType(x.getDataType(), false);
    }
}
