package org.lmqt.io.parquet;

/**
 * A read position in {@code buf[pos, end)} with the primitive reads that Thrift's compact protocol and parquet's
 * encodings share: single bytes, little-endian fixed-width integers and ULEB128 varints. Reading past {@code end}
 * is a {@link ParquetFormatException}.
 */
final class ByteCursor {
    final byte[] buf;
    int pos;
    final int end;

    ByteCursor(byte[] buf, int pos, int end) {
        this.buf = buf;
        this.pos = pos;
        this.end = end;
    }

    int remaining() {
        return end - pos;
    }

    int readByte() {
        if (pos >= end) {
            throw new ParquetFormatException("data ends early");
        }
        return buf[pos++] & 0xff;
    }

    /** An unsigned LEB128 varint: 7 bits a byte, least significant first, high bit set on all but the last. */
    long varint() {
        long value = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            int b = readByte();
            value |= (long) (b & 0x7f) << shift;
            if ((b & 0x80) == 0) {
                return value;
            }
        }
        throw new ParquetFormatException("a varint longer than 10 bytes");
    }

    /** A signed varint: zigzag-encoded ({@code 0, -1, 1, -2...} as {@code 0, 1, 2, 3...}). */
    long zigzagVarint() {
        long n = varint();
        return (n >>> 1) ^ -(n & 1);
    }

    /** An integer stored in {@code bytes} little-endian bytes (at most 8). */
    long fixedLittleEndian(int bytes) {
        long value = 0;
        for (int i = 0; i < bytes; i++) {
            value |= (long) readByte() << (8 * i);
        }
        return value;
    }

    /** Skips {@code n} bytes, which must be there. */
    void skip(long n) {
        if (n < 0 || n > remaining()) {
            throw new ParquetFormatException(n + " bytes needed, " + remaining() + " left");
        }
        pos += (int) n;
    }
}
