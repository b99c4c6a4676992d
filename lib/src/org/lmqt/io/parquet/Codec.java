package org.lmqt.io.parquet;

import io.airlift.compress.Decompressor;
import io.airlift.compress.MalformedInputException;
import io.airlift.compress.lz4.Lz4Decompressor;
import io.airlift.compress.snappy.SnappyDecompressor;
import io.airlift.compress.zstd.ZstdDecompressor;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.zip.GZIPInputStream;

/**
 * Parquet's page compression codecs ({@code CompressionCodec} in parquet.thrift). UNCOMPRESSED, SNAPPY, GZIP, ZSTD
 * and LZ4_RAW are supported; LZO, BROTLI and the Hadoop-framed LZ4 are not.
 *
 * <p>Snappy, Zstd and LZ4 come from aircompressor 0.27, a pure-Java port by the Trino authors: no native library to
 * load, and Zstd is far too large to write here. Version 0.27 because it runs on Java 8+; aircompressor 2.x is built on
 * the Java 22 foreign-memory API and does not run on our Java 21 baseline.
 */
enum Codec {
    UNCOMPRESSED, SNAPPY, GZIP, LZO, BROTLI, LZ4, ZSTD, LZ4_RAW;

    static Codec of(int number) {
        if (number < 0 || number >= values().length) {
            throw new ParquetFormatException("unsupported compression codec number " + number);
        }
        return values()[number];
    }

    /** {@code in[offset, offset + length)} decompressed to exactly {@code uncompressedSize} bytes. */
    byte[] decompress(byte[] in, int offset, int length, int uncompressedSize) {
        byte[] out = new byte[uncompressedSize];
        int written;
        try {
            written = switch (this) {
                case UNCOMPRESSED -> {
                    System.arraycopy(in, offset, out, 0, Math.min(length, uncompressedSize));
                    yield length;
                }
                case SNAPPY -> block(new SnappyDecompressor(), in, offset, length, out);
                case ZSTD -> block(new ZstdDecompressor(), in, offset, length, out);
                case LZ4_RAW -> block(new Lz4Decompressor(), in, offset, length, out);
                case GZIP -> gunzip(in, offset, length, out);
                default -> throw new ParquetFormatException("unsupported compression codec " + name()
                        + " (supported: " + List.of(UNCOMPRESSED, SNAPPY, GZIP, ZSTD, LZ4_RAW) + ")");
            };
        } catch (MalformedInputException | IOException | IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new ParquetFormatException("corrupt " + name() + " page (" + e.getMessage() + ")");
        }
        if (written != uncompressedSize) {
            throw new ParquetFormatException("corrupt " + name() + " page: " + written + " bytes instead of "
                    + uncompressedSize);
        }
        return out;
    }

    private static int block(Decompressor d, byte[] in, int offset, int length, byte[] out) {
        return d.decompress(in, offset, length, out, 0, out.length);
    }

    /** GZIP pages are whole gzip streams; reads until the stream ends or one byte more than expected came. */
    private static int gunzip(byte[] in, int offset, int length, byte[] out) throws IOException {
        try (InputStream z = new GZIPInputStream(new ByteArrayInputStream(in, offset, length))) {
            int n = z.readNBytes(out, 0, out.length);
            return z.read() < 0 ? n : n + 1;
        }
    }
}
