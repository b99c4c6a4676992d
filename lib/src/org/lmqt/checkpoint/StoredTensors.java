package org.lmqt.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Typed reads of a checkpoint's tensors for the format readers: each read checks the stored dtype and shape first and
 * fails with one line naming the tensor, what it holds and what the format expects.
 *
 * @param ckpt the checkpoint read from
 */
public record StoredTensors(Checkpoint ckpt) {

    public StoredTensors {
        if (ckpt == null) {
            throw new IllegalArgumentException("no checkpoint");
        }
    }

    /** True when the checkpoint holds {@code name}. */
    public boolean contains(String name) {
        return ckpt.contains(name);
    }

    /** The stored shape of {@code name}. */
    public int[] shape(String name) {
        return ckpt.entry(name).shape();
    }

    /** An I32 tensor of shape {@code shape}. */
    public int[] ints(String name, int... shape) {
        expect(name, DType.I32, shape);
        ByteBuffer b = ByteBuffer.wrap(ckpt.readBytes(name)).order(ByteOrder.LITTLE_ENDIAN);
        int[] out = new int[b.remaining() / 4];
        b.asIntBuffer().get(out);
        return out;
    }

    /** The raw bytes of a one-byte tensor ({@code U8} or {@code I8}) of shape {@code shape}. */
    public byte[] bytes(String name, DType dtype, int... shape) {
        expect(name, dtype, shape);
        return ckpt.readBytes(name);
    }

    /** A floating tensor stored as {@code dtype} with shape {@code shape}, widened to float32. */
    public float[] floats(String name, DType dtype, int... shape) {
        expect(name, dtype, shape);
        return ckpt.tensor(name).data();
    }

    /** Fails unless {@code name} exists with exactly {@code dtype} and {@code shape}. */
    public void expect(String name, DType dtype, int... shape) {
        if (!ckpt.contains(name)) {
            throw new CheckpointException(ckpt.dir() + ": tensor '" + name + "' is missing (expected " + dtype + " "
                    + Arrays.toString(shape) + ")");
        }
        SafetensorsFile.Entry e = ckpt.entry(name);
        if (e.dtype() != dtype || !Arrays.equals(e.shape(), shape)) {
            throw new CheckpointException(ckpt.dir() + ": tensor '" + name + "' is " + e.dtype() + " "
                    + Arrays.toString(e.shape()) + ", expected " + dtype + " " + Arrays.toString(shape));
        }
    }

    /** A one-line error about {@code name}. */
    public CheckpointException invalid(String name, String why) {
        return new CheckpointException(ckpt.dir() + ": tensor '" + name + "' " + why);
    }
}
