package org.lmqt.quant;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.lmqt.checkpoint.DType;

/**
 * Packs the {@code [g, M]} code matrix of an axis-0 quantization in the fork's layouts (lmqt-spec §4.2):
 * <ul>
 *   <li>{@code 8bit_u8} (also 5 and 6 bits): {@code [g, M]} bytes, one code each;</li>
 *   <li>{@code 4bit_u8}, {@code 2bit_u8}, {@code 1bit_u8}: {@code [g/k, M]} bytes with {@code k = 8/bits} codes
 *       each; row {@code r} holds rows {@code r, r + g/k, r + 2g/k, ...} of the codes, the first in the high bits;</li>
 *   <li>{@code 3bit_32}: rows zero-padded to {@code 10t}, {@code [t, M]} int32 words holding rows
 *       {@code r, r+t, ..., r+9t} shifted 27, 24, ..., 0.</li>
 * </ul>
 */
public final class BitPacker {
    private BitPacker() {}

    /**
     * Packed codes.
     *
     * @param packing the fork's format name ({@code 4bit_u8}, {@code 3bit_32}, ...)
     * @param dtype   element type of {@code data} (U8, or I32 for 3-bit)
     * @param shape   packed shape {@code [rows, M]}
     * @param data    little-endian bytes of the packed matrix
     */
    public record Packed(String packing, DType dtype, int[] shape, byte[] data) {
        public Packed {
            if ((long) shape[0] * shape[1] * dtype.bytes() != data.length) {
                throw new IllegalArgumentException("packed data does not match shape");
            }
        }
    }

    /** The fork's format name for a bit width. */
    public static String packing(int bits) {
        return switch (bits) {
            case 8, 6, 5 -> "8bit_u8";
            case 4 -> "4bit_u8";
            case 3 -> "3bit_32";
            case 2 -> "2bit_u8";
            case 1 -> "1bit_u8";
            default -> throw new IllegalArgumentException("no packing for " + bits + " bits");
        };
    }

    /** Packs {@code codes} ({@code [g, m]} row-major, unsigned bytes) of {@code bits}-bit values. */
    public static Packed pack(byte[] codes, int g, int m, int bits) {
        if (bits == 3) {
            return packThree(codes, g, m);
        }
        int perByte = bits >= 5 ? 1 : 8 / bits;
        int width = bits >= 5 ? 8 : bits;
        if (g % perByte != 0) {
            throw new IllegalArgumentException(bits + "-bit packing needs a group size divisible by " + perByte);
        }
        int rows = g / perByte;
        byte[] out = new byte[rows * m];   // [g / perByte, M]
        for (int k = 0; k < perByte; k++) {
            int shift = 8 - width * (k + 1);
            for (int r = 0; r < rows; r++) {
                int src = (r + k * rows) * m;
                int dst = r * m;
                for (int j = 0; j < m; j++) {
                    out[dst + j] |= (byte) ((codes[src + j] & 0xff) << shift);
                }
            }
        }
        return new Packed(packing(bits), DType.U8, new int[] {rows, m}, out);
    }

    private static Packed packThree(byte[] codes, int g, int m) {
        int t = (g + 9) / 10;                 // words per column; rows are zero-padded to 10 t
        int[] words = new int[t * m];         // [t, M]
        for (int k = 0; k < 10; k++) {
            int shift = 27 - 3 * k;
            for (int r = 0; r < t; r++) {
                int srcRow = r + k * t;
                if (srcRow >= g) {
                    break;                    // padding rows are zero
                }
                for (int j = 0; j < m; j++) {
                    words[r * m + j] |= (codes[srcRow * m + j] & 0x7) << shift;
                }
            }
        }
        ByteBuffer buf = ByteBuffer.allocate(words.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        buf.asIntBuffer().put(words);
        return new Packed("3bit_32", DType.I32, new int[] {t, m}, buf.array());
    }

    /** Unpacks to the {@code [g, M]} code matrix (the first {@code g} rows for 3-bit). */
    public static byte[] unpack(Packed p, int g, int bits) {
        int m = p.shape()[1];
        byte[] codes = new byte[g * m];       // [g, M]
        if (bits == 3) {
            ByteBuffer buf = ByteBuffer.wrap(p.data()).order(ByteOrder.LITTLE_ENDIAN);
            int t = p.shape()[0];
            for (int k = 0; k < 10; k++) {
                for (int r = 0; r < t && r + k * t < g; r++) {
                    for (int j = 0; j < m; j++) {
                        codes[(r + k * t) * m + j] = (byte) ((buf.getInt((r * m + j) * 4) >>> (27 - 3 * k)) & 0x7);
                    }
                }
            }
            return codes;
        }
        int perByte = bits >= 5 ? 1 : 8 / bits;
        int width = bits >= 5 ? 8 : bits;
        int mask = (1 << width) - 1;
        int rows = p.shape()[0];
        for (int k = 0; k < perByte; k++) {
            int shift = 8 - width * (k + 1);
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < m; j++) {
                    codes[(r + k * rows) * m + j] = (byte) (((p.data()[r * m + j] & 0xff) >>> shift) & mask);
                }
            }
        }
        return codes;
    }

    /** Bytes the packed form of a {@code [g, m]} code matrix takes. */
    public static long packedBytes(int g, long m, int bits) {
        return switch (bits) {
            case 3 -> (g + 9) / 10 * m * 4;
            case 8, 6, 5 -> g * m;
            default -> g / (8 / bits) * m;
        };
    }
}
