package org.lmqt.io.parquet;

/**
 * The integer encodings of parquet's Encodings.md that string columns need: the RLE/bit-packed hybrid (definition
 * levels and dictionary indices) and DELTA_BINARY_PACKED (the lengths of DELTA_LENGTH_BYTE_ARRAY). Both pack values
 * little-endian, least significant bit first.
 */
final class BitPacking {
    private BitPacking() {}

    /** Integers decoded from a byte range, and the position just after the bytes they used. */
    record Decoded(long[] values, int end) {}

    /**
     * {@code count} values of the RLE/bit-packed hybrid from {@code buf[pos, end)}. The data is a sequence of runs,
     * each starting with a varint header: {@code n << 1} is an RLE run of one value repeated {@code n} times (the value
     * in {@code ceil(bitWidth / 8)} little-endian bytes); {@code n << 1 | 1} is {@code n} groups of 8 bit-packed values
     * ({@code n * bitWidth} bytes). The last group may hold padding past {@code count}.
     */
    static int[] hybrid(byte[] buf, int pos, int end, int bitWidth, int count) {
        if (bitWidth < 0 || bitWidth > 32) {
            throw new ParquetFormatException("corrupt page: bit width " + bitWidth);
        }
        int[] out = new int[count];
        int n = 0;
        ByteCursor c = new ByteCursor(buf, pos, end);
        while (n < count) {
            long header = c.varint();
            if ((header & 1) == 0) {
                // RLE run: one value, repeated
                long run = header >>> 1;
                int value = (int) c.fixedLittleEndian((bitWidth + 7) / 8);
                for (long i = 0; i < run && n < count; i++) {
                    out[n++] = value;
                }
            } else {
                // bit-packed run: groups of 8 values
                long values = (header >>> 1) * 8;
                int take = (int) Math.min(values, count - n);
                long[] unpacked = unpack(buf, c.pos, end, bitWidth, take);
                for (int i = 0; i < take; i++) {
                    out[n++] = (int) unpacked[i];
                }
                c.pos = (int) Math.min(end, c.pos + (header >>> 1) * bitWidth);
            }
        }
        return out;
    }

    /**
     * DELTA_BINARY_PACKED integers from {@code buf[pos, end)}. Header: block size, miniblocks per block, value count
     * (varints), first value (zigzag varint). Then blocks, each: the minimum delta (zigzag varint), one bit-width byte
     * per miniblock, and the miniblocks' bit-packed {@code delta - minDelta}; a value is the previous one plus its
     * delta. Miniblocks the last block does not need are left out (their width bytes are still there).
     */
    static Decoded deltaBinaryPacked(byte[] buf, int pos, int end) {
        ByteCursor c = new ByteCursor(buf, pos, end);
        long blockSize = c.varint();
        long miniblocks = c.varint();
        long count = c.varint();
        long value = c.zigzagVarint();
        if (miniblocks <= 0 || blockSize <= 0 || blockSize % miniblocks != 0 || (blockSize / miniblocks) % 8 != 0
                || count < 0 || count > Integer.MAX_VALUE - 8) {
            throw new ParquetFormatException("corrupt DELTA_BINARY_PACKED header");
        }
        int perMiniblock = (int) (blockSize / miniblocks);
        long[] out = new long[(int) count];
        int n = 0;
        if (count > 0) {
            out[n++] = value;
        }
        while (n < count) {
            long minDelta = c.zigzagVarint();
            byte[] widths = new byte[(int) miniblocks];
            for (int m = 0; m < miniblocks; m++) {
                widths[m] = (byte) c.readByte();
            }
            for (int m = 0; m < miniblocks && n < count; m++) {
                int width = widths[m] & 0xff;
                if (width > 64) {
                    throw new ParquetFormatException("corrupt DELTA_BINARY_PACKED miniblock width " + width);
                }
                int take = Math.min(perMiniblock, (int) count - n);
                long[] deltas = unpack(buf, c.pos, end, width, take);
                for (int i = 0; i < take; i++) {
                    value += minDelta + deltas[i];
                    out[n++] = value;
                }
                c.pos += perMiniblock / 8 * width;
            }
        }
        if (c.pos > end) {
            throw new ParquetFormatException("corrupt page: DELTA_BINARY_PACKED data runs past the page");
        }
        return new Decoded(out, c.pos);
    }

    /** {@code count} values of {@code bitWidth} bits packed LSB-first from {@code buf[pos, end)}. */
    static long[] unpack(byte[] buf, int pos, int end, int bitWidth, int count) {
        if ((long) pos + ((long) count * bitWidth + 7) / 8 > end) {
            throw new ParquetFormatException("corrupt page: bit-packed values run past the page");
        }
        long[] out = new long[count];
        long bit = (long) pos * 8;
        for (int i = 0; i < count; i++) {
            long v = 0;
            for (int b = 0; b < bitWidth; b++, bit++) {
                v |= (long) ((buf[(int) (bit >>> 3)] >>> (bit & 7)) & 1) << b;
            }
            out[i] = v;
        }
        return out;
    }
}
