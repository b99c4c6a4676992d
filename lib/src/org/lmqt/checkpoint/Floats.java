package org.lmqt.checkpoint;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** Conversions between float32 and the 16-bit float formats, and bulk decoding/encoding of tensor bytes. */
public final class Floats {
    private Floats() {}

    /** bf16 bits to float32: the upper half of a float32 (exact). */
    public static float bf16ToFloat(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /** float32 to bf16 bits with round-half-to-even, as PyTorch casts (NaN stays NaN). */
    public static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return (short) ((bits >>> 16) | 0x40);
        }
        int lsb = (bits >>> 16) & 1;
        return (short) ((bits + 0x7fff + lsb) >>> 16);
    }

    /** Rounds a float32 to the nearest IEEE half (round-half-to-even) and back: one fp16 arithmetic step. */
    public static float toHalf(float f) {
        return Float.float16ToFloat(Float.floatToFloat16(f));
    }

    /** Decodes {@code n} little-endian values of {@code type} into float32. */
    public static float[] decode(ByteBuffer b, DType type, int n) {
        ByteBuffer buf = b.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        float[] out = new float[n];
        switch (type) {
            case F32 -> buf.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) buf.getDouble(i * 8);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = Float.float16ToFloat(buf.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = bf16ToFloat(buf.getShort(i * 2));
                }
            }
            default -> throw new IllegalArgumentException("not a float type: " + type);
        }
        return out;
    }

    /** Encodes float32 values as little-endian {@code type} bytes (F32, F16 or BF16, rounding to nearest even). */
    public static byte[] encode(float[] values, DType type) {
        ByteBuffer buf = ByteBuffer.allocate(values.length * type.bytes()).order(ByteOrder.LITTLE_ENDIAN);
        switch (type) {
            case F32 -> buf.asFloatBuffer().put(values);
            case F16 -> {
                for (float v : values) {
                    buf.putShort(Float.floatToFloat16(v));
                }
            }
            case BF16 -> {
                for (float v : values) {
                    buf.putShort(floatToBf16(v));
                }
            }
            default -> throw new IllegalArgumentException("cannot encode floats as " + type);
        }
        return buf.array();
    }
}
