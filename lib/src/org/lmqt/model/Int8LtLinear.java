package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.Int8Matrix;

/**
 * A bitsandbytes LLM.int8 layer as {@code Linear8bitLt} runs it ({@code MatMul8bitLt}, calib-methods-spec §4.4): the
 * int8 codes {@code CB} and row maxima {@code SCB} stay on the device; each forward casts the input to fp16, takes the
 * input columns holding any {@code |x| >= threshold} as outliers, quantizes the other columns per token to int8
 * ({@code rint(x * 127 / rowmax)}, the outlier columns zeroed and left out of the maximum), multiplies the codes
 * exactly in integers, rescales by {@code rowmax * SCB * 6.200012e-05} (CUDA's {@code 1/127²} constant) to fp16, and
 * adds the outlier columns' product with the dequantized weight columns in fp16, then the bias.
 *
 * <p>Differences from the CUDA kernels: the per-token scale {@code 127/rowmax} is a correctly rounded division (CUDA's
 * {@code __fdividef} is approximate; codes can differ by one at exact half-way points, as for the weights), and the
 * fp16 products accumulate in float32 in this layer's order, not cuBLAS's.
 */
public final class Int8LtLinear extends PackedLinear {
    /** transformers' default {@code llm_int8_threshold}. */
    public static final double DEFAULT_THRESHOLD = 6.0;
    /** The CUDA constant {@code int8_mm_dequant} multiplies by, {@code float32(1/127²)} to 7 digits. */
    static final float MM_DEQUANT_CONST = 6.200012e-05f;

    private final NDArray codes;       // [out, in] I8, CB
    private final NDArray rowMax;      // [out] F32, SCB
    private final double threshold;

    /** Not token-wise: a column is an outlier column when any token of the call exceeds the threshold in it. */
    @Override
    public boolean tokenwise() {
        return false;
    }

    private Int8LtLinear(MatrixKey key, int[] shape, ComputeDevice device, NDArray codes, NDArray rowMax,
                         double threshold, NDArray bias) {
        super(key, shape, device, bias);
        this.codes = codes;
        this.rowMax = rowMax;
        this.threshold = threshold;
    }

    /** Moves {@code q}'s codes and row maxima onto the device of {@code manager}. */
    static Int8LtLinear of(MatrixKey key, Int8Matrix q, double threshold, NDArray bias, NDManager manager,
                           ComputeDevice device) {
        if (!(threshold > 0)) {
            throw new IllegalArgumentException("the outlier threshold must be positive, not " + threshold);
        }
        int[] s = q.shape();
        NDArray codes = manager.create(ByteBuffer.wrap(q.codes()), new Shape(s[0], s[1]), DataType.INT8);
        NDArray rowMax = manager.create(q.scb());                                        // [out]
        return new Int8LtLinear(key, s, device, codes, rowMax, threshold, bias);
    }

    /** The dequantized weight {@code (CB * SCB) * float32(1/127)} in fp16, {@code [out, in]}. */
    @Override
    public NDArray weight() {
        return codes.toType(DataType.FLOAT32, false).mul(rowMax.reshape(-1, 1))
                .mul((float) (1.0 / 127)).toType(DataType.FLOAT16, false);             // [out, in] f16
    }

    @Override
    public NDArray forward(NDArray x) {
        DataType compute = x.getDataType();
        // the fp16 input and its outlier columns (any |x| >= threshold over the tokens)
        NDArray a = half(x);                                                             // [T, in]
        NDArray outlier = a.abs().max(new int[] {0}).gte(threshold);                     // [in] bool
        NDArray regular = outlier.logicalNot().toType(DataType.FLOAT32, false);          // [in] 1 = regular
        // per-token int8 codes of the regular columns: rint(x * (127 / rowmax)); an all-zero row gets codes 0
        NDArray inliers = a.mul(regular);                                                // [T, in]
        NDArray tokenMax = inliers.abs().max(new int[] {1}, true);                       // [T, 1]
        NDArray divisor = tokenMax.add(tokenMax.eq(0).toType(DataType.FLOAT32, false)); // [T, 1], 0 -> 1
        NDArray tokenScale = a.getManager().full(divisor.getShape(), 127f).div(divisor); // [T, 1]
        NDArray tokenCodes = inliers.mul(tokenScale).round().toType(DataType.FLOAT64, false); // [T, in] ints
        // the integer product (exact in float64), as float32 times rowmax * SCB * 1/127², plus the bias, to fp16
        NDArray acc = tokenCodes.matMul(codes.toType(DataType.FLOAT64, false).transpose())
                .toType(DataType.FLOAT32, false);                                        // [T, out]
        NDArray y = acc.mul(tokenMax.mul(rowMax.reshape(1, -1)).mul(MM_DEQUANT_CONST));  // [T, out]
        NDArray b = bias();
        y = half(b == null ? y : y.add(b));                                               // [T, out] fp16
        // addmm of the outlier columns with the dequantized weight's columns, one fp16 rounding
        if (outlier.any().getBoolean()) {
            NDArray w = weight().toType(DataType.FLOAT32, false);                        // [out, in] fp16 values
            NDArray outliers = a.mul(outlier.toType(DataType.FLOAT32, false));           // [T, in]
            y = half(y.add(outliers.matMul(w.transpose())));                             // [T, out] fp16
        }
        return y.toType(compute, false);                                                 // [T, out]
    }

    /** {@code x} rounded to fp16, as float32. */
    private static NDArray half(NDArray x) {
        return x.toType(DataType.FLOAT16, false).toType(DataType.FLOAT32, false);
    }

    @Override
    long formatBytes() {
        return LinearFactory.bytes(codes) + LinearFactory.bytes(rowMax);
    }
}
