package org.lmqt.checkpoint;

import java.util.Arrays;

/**
 * A dense float32 tensor in row-major order, as read from a checkpoint (values widened from their storage type).
 *
 * @param name    tensor name in the checkpoint (e.g. {@code model.layers.0.self_attn.q_proj.weight})
 * @param shape   dimensions, PyTorch order ({@code [out_features, in_features]} for a linear weight)
 * @param data    values, row-major, {@code product(shape)} long
 * @param storage the type the checkpoint stores (F16 and BF16 values are exact in float32)
 */
public record Tensor(String name, int[] shape, float[] data, DType storage) {

    public Tensor {
        long n = 1;
        for (int d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException(name + ": negative dimension in " + Arrays.toString(shape));
            }
            n *= d;
        }
        if (n != data.length) {
            throw new IllegalArgumentException(name + ": shape " + Arrays.toString(shape) + " needs " + n
                    + " values, got " + data.length);
        }
    }

    /** Number of elements. */
    public int numel() {
        return data.length;
    }

    /** Rows of a 2-D tensor. */
    public int rows() {
        return shape[0];
    }

    /** Columns of a 2-D tensor. */
    public int cols() {
        return shape.length > 1 ? shape[1] : 1;
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape) + " " + storage;
    }
}
