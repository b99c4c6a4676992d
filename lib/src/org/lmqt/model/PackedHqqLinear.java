package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.PackedHqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantizedTensor;

/**
 * An HQQ/RTN layer that keeps its weight packed on the device (codes in the fork's bit layout, step sizes and zeros
 * meta-quantized, as a snapshot stores them) and rebuilds the fp16 weight inside every forward call, as the
 * original's HQQ PyTorch backend does. The rebuilt weight equals {@link PackedHqq#dequantize()} bit for bit: the
 * same fp16 operations in the same order ({@code (code - zero) * step}, each rounded to fp16).
 */
public final class PackedHqqLinear extends PackedLinear {
    private final QuantConfig config;
    private final int groups;          // M = out * in / g
    private final NDArray packed;      // [rows, M] U8 (I32 for 3 bits)
    private final NDArray scaleCodes;  // [g2, M/g2] U8
    private final NDArray scaleStep;   // [M/g2] F16
    private final NDArray scaleZero;   // [M/g2] F16
    private final NDArray zeroCodes;   // [1, M] U8
    private final NDArray zeroStep;    // [1] F16
    private final NDArray zeroZero;    // [1] F16

    private PackedHqqLinear(MatrixKey key, QuantConfig config, int[] shape, int groups, ComputeDevice device, NDArray packed, NDArray scaleCodes,
                            NDArray scaleStep, NDArray scaleZero, NDArray zeroCodes, NDArray zeroStep,
                            NDArray zeroZero, NDArray bias) {
        super(key, shape, device, bias);
        this.config = config;
        this.groups = groups;
        this.packed = packed;
        this.scaleCodes = scaleCodes;
        this.scaleStep = scaleStep;
        this.scaleZero = scaleZero;
        this.zeroCodes = zeroCodes;
        this.zeroStep = zeroStep;
        this.zeroZero = zeroZero;
    }

    /** Moves the packed tensors of {@code q} onto the device of {@code manager}. */
    static PackedHqqLinear of(MatrixKey key, PackedHqq q, NDArray bias, NDManager manager, ComputeDevice device) {
        var codes = q.codes();
        DataType codeType = codes.dtype() == org.lmqt.checkpoint.DType.I32 ? DataType.INT32 : DataType.UINT8;
        NDArray packed = manager.create(ByteBuffer.wrap(codes.data()).order(java.nio.ByteOrder.LITTLE_ENDIAN),
                new Shape(codes.shape()[0], codes.shape()[1]), codeType);              // [rows, M]
        QuantizedTensor s = q.scales();
        QuantizedTensor z = q.zeros();
        NDArray sc = manager.create(ByteBuffer.wrap(s.codes()), new Shape(s.group(), s.columns()), DataType.UINT8);
        NDArray zc = manager.create(ByteBuffer.wrap(z.codes()), new Shape(1, z.codes().length), DataType.UINT8);
        // only shapes and the config are kept: the Java arrays are garbage once they are on the device
        return new PackedHqqLinear(key, q.config(), q.shape(), q.groups(), device, packed, sc, half(manager, s.scale()), half(manager, s.zero()),
                zc, half(manager, z.scale()), half(manager, z.zero()), bias);
    }

    private static NDArray half(NDManager manager, float[] values) {
        return manager.create(values).toType(DataType.FLOAT16, false);
    }

    @Override
    public NDArray weight() {
        int g = config.group();
        int m = groups;
        NDArray codes = unpack(g).toType(DataType.FLOAT16, false);                     // [g, M] exact (<= 255)
        // step sizes: (code - zero) * step per meta group, fp16
        NDArray step = scaleCodes.toType(DataType.FLOAT16, false).sub(scaleZero).mul(scaleStep) // [g2, M/g2]
                .reshape(1, m);                                                        // [1, M]
        // zeros: one global meta group
        NDArray zero = zeroCodes.toType(DataType.FLOAT16, false).sub(zeroZero).mul(zeroStep);  // [1, M]
        // the weight in the original flat order: [g, M] row-major is [out, in] row-major
        return codes.sub(zero).mul(step).reshape(shape()[0], shape()[1]);   // [out, in] f16
    }

    /** The {@code [g, M]} codes from the packed layout (see {@code BitPacker}), as float arrays of whole numbers. */
    private NDArray unpack(int g) {
        int bits = config.bits();
        if (bits >= 5) {
            return packed;                                                             // [g, M] one code a byte
        }
        if (bits == 3) {
            // ten 3-bit codes per int32 word, shifted 27, 24, ..., 0; float64 holds the words exactly
            NDArray words = packed.toType(DataType.FLOAT64, false);                    // [t, M]
            List<NDArray> rows = new ArrayList<>();
            for (int k = 0; k < 10; k++) {
                rows.add(words.div(1 << (27 - 3 * k)).floor().mod(8));                 // [t, M]
            }
            NDArray all = NDArrays.concat(new ai.djl.ndarray.NDList(rows), 0);         // [10t, M]
            return all.get("0:" + g);                                                  // [g, M]
        }
        // k = 8/bits codes per byte, the first in the high bits; row r + i*rows holds slice i
        int perByte = 8 / bits;
        NDArray bytes = packed.toType(DataType.FLOAT32, false);                        // [g/k, M]
        List<NDArray> slices = new ArrayList<>();
        for (int i = 0; i < perByte; i++) {
            int shift = 8 - bits * (i + 1);
            slices.add(bytes.div(1 << shift).floor().mod(1 << bits));                  // [g/k, M]
        }
        return NDArrays.concat(new ai.djl.ndarray.NDList(slices), 0);                  // [g, M]
    }





    @Override
    long formatBytes() {
        return LinearFactory.bytes(packed) + LinearFactory.bytes(scaleCodes) + LinearFactory.bytes(scaleStep)
                + LinearFactory.bytes(scaleZero) + LinearFactory.bytes(zeroCodes) + LinearFactory.bytes(zeroStep)
                + LinearFactory.bytes(zeroZero);
    }
}
