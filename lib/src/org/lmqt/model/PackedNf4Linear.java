package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.nio.ByteBuffer;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.BnbTables;
import org.lmqt.quant.Nf4Matrix;

/**
 * A bitsandbytes NF4 layer that keeps its codes packed on the device (two a byte, the first in the high nibble)
 * with the block maxima, and rebuilds the weight inside every forward call as {@code Linear4bit} does:
 * {@code float32(nf4[code] * absmax[block])} rounded once to fp16. The rebuilt weight equals
 * {@link Nf4Matrix#dequantize()} bit for bit. The double-quantized maxima are kept dequantized (4 bytes per block,
 * 1/16 byte a weight at block 64), where bitsandbytes keeps their 8-bit codes.
 */
public final class PackedNf4Linear extends PackedLinear {
    private final int blockSize;
    private final NDArray packed;      // [ceil(n/2)] U8
    private final NDArray absmax;      // [blocks] F32, the dequantized block maxima
    private final NDArray table;       // [16] F32, the NF4 values

    private PackedNf4Linear(MatrixKey key, int[] shape, int blockSize, ComputeDevice device, NDArray packed,
                            NDArray absmax, NDArray table, NDArray bias) {
        super(key, shape, device, bias);
        this.blockSize = blockSize;
        this.packed = packed;
        this.absmax = absmax;
        this.table = table;
    }

    /** Moves the packed codes and block maxima of {@code q} (deployed in fp16) onto the device of {@code manager}. */
    static PackedNf4Linear of(MatrixKey key, Nf4Matrix q, NDArray bias, NDManager manager, ComputeDevice device) {
        if (q.dtype() != DType.F16) {
            throw new IllegalArgumentException("the packed NF4 layer rebuilds fp16 weights, not " + q.dtype());
        }
        NDArray packed = manager.create(ByteBuffer.wrap(q.packed()), new Shape(q.packed().length), DataType.UINT8);
        NDArray absmax = manager.create(q.absmax().dequantize());                       // [blocks]
        NDArray table = manager.create(BnbTables.nf4());                                // [16]
        return new PackedNf4Linear(key, q.shape(), q.blockSize(), device, packed, absmax, table, bias);
    }

    @Override
    public NDArray weight() {
        long n = (long) shape()[0] * shape()[1];
        int blocks = (int) absmax.size();
        // codes: high nibble first, then low, for every byte
        NDArray bytes = packed.toType(DataType.FLOAT32, false);                         // [ceil(n/2)]
        NDArray hi = bytes.div(16).floor();                                              // [ceil(n/2)]
        NDArray lo = bytes.sub(hi.mul(16));                                              // [ceil(n/2)]
        NDArray codes = NDArrays.stack(new NDList(hi, lo), 1).reshape(-1)               // [2 ceil(n/2)]
                .get("0:" + n).toType(DataType.INT64, false);                           // [n]
        // nf4[code] * absmax[block] in float32, padded to whole blocks
        NDArray values = table.take(codes);                                             // [n] f32
        long padded = (long) blocks * blockSize;
        if (padded > n) {
            values = values.concat(values.getManager().zeros(new Shape(padded - n)));  // [blocks * block]
        }
        NDArray w = values.reshape(blocks, blockSize).mul(absmax.reshape(blocks, 1))    // [blocks, block] f32
                .reshape(-1).get("0:" + n);                                             // [n]
        // one rounding to fp16, then the [out, in] view
        return w.toType(DataType.FLOAT16, false).reshape(shape()[0], shape()[1]);          // [out, in] f16
    }





    @Override
    long formatBytes() {
        return LinearFactory.bytes(packed) + LinearFactory.bytes(absmax) + LinearFactory.bytes(table);
    }
}
