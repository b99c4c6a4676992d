package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import org.lmqt.checkpoint.Floats;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.awq.AwqMatrix;
import org.lmqt.quant.gptq.GptqMatrix;

/**
 * A GPTQ or AWQ layer that keeps its integer codes packed on the device (two a byte for up to 4 bits, the first in the
 * high nibble; one a byte for 8 bits) with one fp16 scale and one zero per output and group, and rebuilds the weight
 * inside every forward call as the formats' kernels do: {@code fp16(fp16(scale[g]) * (code - zero[g]))} with the
 * group {@code g = g_idx[c]} of each input column (GPTQ's act-order groups included; AWQ's are {@code c / group}).
 * The rebuilt weight equals {@link GptqMatrix#dequantize()} / {@link AwqMatrix#dequantize()} bit for bit.
 */
public final class PackedGroupLinear extends PackedLinear {
    private final int bits;
    private final NDArray packed;      // [out, in] U8, or [out, ceil(in/2)] two codes a byte for bits <= 4
    private final NDArray scales;      // [groups, out] F32 holding fp16 values
    private final NDArray zeros;       // [groups, out] F32
    private final NDArray groupOf;     // [in] I64, g_idx

    private PackedGroupLinear(MatrixKey key, int[] shape, int bits, ComputeDevice device, NDArray packed,
                              NDArray scales, NDArray zeros, NDArray groupOf, NDArray bias) {
        super(key, shape, device, bias);
        this.bits = bits;
        this.packed = packed;
        this.scales = scales;
        this.zeros = zeros;
        this.groupOf = groupOf;
    }

    /** A GPTQ matrix on the device of {@code manager}. */
    static PackedGroupLinear of(MatrixKey key, GptqMatrix q, NDArray bias, NDManager manager, ComputeDevice device) {
        return of(key, q.shape(), q.bits(), q.codes(), q.scales(), q.zeros(), q.groups(), q.gIdx(), bias, manager,
                device);
    }

    /** An AWQ matrix on the device of {@code manager} (its groups are consecutive inputs). */
    static PackedGroupLinear of(MatrixKey key, AwqMatrix q, NDArray bias, NDManager manager, ComputeDevice device) {
        int in = q.shape()[1];
        int[] groupOf = new int[in];                                                     // [in]
        for (int c = 0; c < in; c++) {
            groupOf[c] = c / q.group();
        }
        return of(key, q.shape(), q.bits(), q.codes(), q.scales(), q.zeros(), q.groups(), groupOf, bias, manager,
                device);
    }

    private static PackedGroupLinear of(MatrixKey key, int[] shape, int bits, byte[] codes, float[] scales,
                                        float[] zeros, int groups, int[] groupOf, NDArray bias, NDManager manager,
                                        ComputeDevice device) {
        int out = shape[0];
        int in = shape[1];
        // codes: two a byte (high nibble first) when they fit in four bits
        NDArray packed;
        if (bits <= 4) {
            int width = (in + 1) / 2;
            byte[] pairs = new byte[out * width];                                        // [out, ceil(in/2)]
            for (int r = 0; r < out; r++) {
                for (int c = 0; c < in; c++) {
                    int v = codes[r * in + c] & 0xf;
                    pairs[r * width + c / 2] |= (byte) (c % 2 == 0 ? v << 4 : v);
                }
            }
            packed = manager.create(ByteBuffer.wrap(pairs), new Shape(out, width), DataType.UINT8);
        } else {
            packed = manager.create(ByteBuffer.wrap(codes), new Shape(out, in), DataType.UINT8);
        }
        // scales rounded to fp16 (as the formats store them) and zeros, transposed to [groups, out]
        float[] scalesT = new float[groups * out];                                       // [groups, out]
        float[] zerosT = new float[groups * out];                                        // [groups, out]
        for (int r = 0; r < out; r++) {
            for (int k = 0; k < groups; k++) {
                scalesT[k * out + r] = Floats.toHalf(scales[r * groups + k]);
                zerosT[k * out + r] = zeros[r * groups + k];
            }
        }
        long[] g = new long[in];                                                         // [in]
        for (int c = 0; c < in; c++) {
            g[c] = groupOf[c];
        }
        return new PackedGroupLinear(key, shape, bits, device, packed,
                manager.create(scalesT, new Shape(groups, out)), manager.create(zerosT, new Shape(groups, out)),
                manager.create(g), bias);
    }

    @Override
    public NDArray weight() {
        int out = shape()[0];
        int in = shape()[1];
        NDArray codes = unpack(in);                                                      // [out, in] f32 integers
        // each column's group parameters: rows of [groups, out] picked by g_idx, then [out, in]
        NDArray scale = scales.get(groupOf).transpose();                                // [out, in]
        NDArray zero = zeros.get(groupOf).transpose();                                  // [out, in]
        // (code - zero) * scale in float32 (exact: an fp16 scale times a small integer), one rounding to fp16
        return codes.sub(zero).mul(scale).toType(DataType.FLOAT16, false).reshape(out, in);  // [out, in] f16
    }

    /** The codes {@code [out, in]} as float32 whole numbers. */
    private NDArray unpack(int in) {
        NDArray bytes = packed.toType(DataType.FLOAT32, false);                          // [out, w]
        if (bits > 4) {
            return bytes;
        }
        NDArray hi = bytes.div(16).floor();                                              // [out, w]
        NDArray lo = bytes.sub(hi.mul(16));                                              // [out, w]
        NDArray both = NDArrays.stack(new NDList(hi, lo), 2);                            // [out, w, 2]
        return both.reshape(shape()[0], -1).get(":, 0:" + in);                           // [out, in]
    }

    @Override
    long formatBytes() {
        return LinearFactory.bytes(packed) + LinearFactory.bytes(scales) + LinearFactory.bytes(zeros)
                + LinearFactory.bytes(groupOf);
    }
}
