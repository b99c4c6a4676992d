package org.lmqt.io.parquet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes the pages of one column chunk of a leaf column into its level/value stream: per entry a repetition level
 * and a definition level, and the values of the entries that are present (definition level at its maximum). A chunk
 * is a sequence of pages, each a Thrift {@code PageHeader} followed by its body: at most one DICTIONARY_PAGE first,
 * then DATA_PAGE (v1) or DATA_PAGE_V2 pages. Each data page names its own value encoding, so a chunk that falls back
 * from dictionary to plain encoding midway (as parquet-java and pyarrow do when the dictionary grows too big) reads
 * like any other.
 *
 * <p>Values come back as {@link String} (BYTE_ARRAY), {@link Integer} (INT32), {@link Long} (INT64),
 * {@link Boolean}, {@link Float} and {@link Double}. Encodings: PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY,
 * DELTA_BINARY_PACKED (integers), DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (byte arrays), RLE (booleans),
 * BYTE_STREAM_SPLIT (fixed-width numbers).
 */
final class ChunkReader {
    private static final int PLAIN = 0;
    private static final int PLAIN_DICTIONARY = 2;
    private static final int RLE = 3;
    private static final int DELTA_BINARY_PACKED = 5;
    private static final int DELTA_LENGTH_BYTE_ARRAY = 6;
    private static final int DELTA_BYTE_ARRAY = 7;
    private static final int RLE_DICTIONARY = 8;
    private static final int BYTE_STREAM_SPLIT = 9;

    /**
     * A chunk's entries.
     *
     * @param repetition per entry, its repetition level (all 0 for a column outside any repeated field)
     * @param definition per entry, its definition level
     * @param values     the values of the present entries, in order
     */
    record Levels(int[] repetition, int[] definition, List<Object> values) {}

    private final byte[] chunk;
    private final Codec codec;
    private final Column.PhysicalType type;
    private final int maxDefinitionLevel;
    private final int maxRepetitionLevel;
    private Object[] dictionary;

    private final IntList repetition = new IntList();
    private final IntList definition = new IntList();
    private final List<Object> values = new ArrayList<>();

    private ChunkReader(byte[] chunk, Codec codec, Column.PhysicalType type, int maxDefinitionLevel,
                        int maxRepetitionLevel) {
        this.chunk = chunk;
        this.codec = codec;
        this.type = type;
        this.maxDefinitionLevel = maxDefinitionLevel;
        this.maxRepetitionLevel = maxRepetitionLevel;
    }

    /** The {@code numValues} entries of {@code chunk} (the chunk's bytes), a leaf of {@code type}. */
    static Levels read(byte[] chunk, Codec codec, Column.PhysicalType type, int maxDefinitionLevel,
                       int maxRepetitionLevel, long numValues) {
        ChunkReader r = new ChunkReader(chunk, codec, type, maxDefinitionLevel, maxRepetitionLevel);
        r.readPages(numValues);
        return new Levels(r.repetition.toArray(), r.definition.toArray(), r.values);
    }

    /** Appends the {@code numValues} rows of a flat string column's chunk to {@code out}, null rows as null. */
    static void readStrings(byte[] chunk, Codec codec, int maxDefinitionLevel, long numValues, List<String> out) {
        Levels l = read(chunk, codec, Column.PhysicalType.BYTE_ARRAY, maxDefinitionLevel, 0, numValues);
        int next = 0;
        for (int d : l.definition()) {
            out.add(d == maxDefinitionLevel ? (String) l.values().get(next++) : null);
        }
    }

    private void readPages(long numValues) {
        long read = 0;
        int pos = 0;
        while (read < numValues) {
            if (pos >= chunk.length) {
                throw new ParquetFormatException("corrupt column chunk: it ends after " + read + " of " + numValues
                        + " values");
            }
            CompactProtocol thrift = new CompactProtocol(chunk, pos, chunk.length);
            PageHeader page = PageHeader.decode(thrift.readStruct());
            int body = thrift.position();
            if (page.compressedSize() > chunk.length - body) {
                throw new ParquetFormatException("corrupt column chunk: a page runs past the chunk");
            }
            switch (page.type()) {
                case PageHeader.DICTIONARY_PAGE -> readDictionary(page, body);
                case PageHeader.DATA_PAGE -> read += readDataPageV1(page, body);
                case PageHeader.DATA_PAGE_V2 -> read += readDataPageV2(page, body);
                default -> { } // index pages and unknown page types carry no rows
            }
            pos = body + page.compressedSize();
        }
    }

    /** A dictionary page: its entries, PLAIN-encoded (PLAIN_DICTIONARY is the old name of the same layout). */
    private void readDictionary(PageHeader page, int body) {
        if (page.encoding() != PLAIN && page.encoding() != PLAIN_DICTIONARY) {
            throw new ParquetFormatException("unsupported dictionary page encoding " + encodingName(page.encoding()));
        }
        byte[] data = codec.decompress(chunk, body, page.compressedSize(), page.uncompressedSize());
        dictionary = plain(data, 0, data.length, page.numValues());
    }

    /**
     * A v1 data page: all of it compressed; inside, the repetition levels then the definition levels (each RLE,
     * after a 4-byte length; absent when their maximum is 0), then the values.
     */
    private int readDataPageV1(PageHeader page, int body) {
        byte[] data = codec.decompress(chunk, body, page.compressedSize(), page.uncompressedSize());
        ByteCursor c = new ByteCursor(data, 0, data.length);
        int[] rep = v1Levels(page, data, c, maxRepetitionLevel, page.v1RepetitionLevelEncoding(), "repetition");
        int[] def = v1Levels(page, data, c, maxDefinitionLevel, page.v1DefinitionLevelEncoding(), "definition");
        return emit(page, rep, def, data, c.pos, data.length);
    }

    private int[] v1Levels(PageHeader page, byte[] data, ByteCursor c, int maxLevel, int encoding, String what) {
        if (maxLevel == 0) {
            return null;
        }
        if (encoding != RLE) {
            throw new ParquetFormatException("unsupported " + what + "-level encoding " + encodingName(encoding));
        }
        long length = c.fixedLittleEndian(4);
        int start = c.pos;
        c.skip(length);
        return BitPacking.hybrid(data, start, c.pos, bitWidth(maxLevel), page.numValues());
    }

    /** A v2 data page: repetition and definition levels first, never compressed and not length-prefixed. */
    private int readDataPageV2(PageHeader page, int body) {
        PageHeader.V2Levels v2 = page.v2().orElseThrow();
        if (v2.repetitionLength() != 0 && maxRepetitionLevel == 0) {
            throw new ParquetFormatException("corrupt page: repetition levels in a column outside any repeated field");
        }
        int defStart = body + v2.repetitionLength();
        int[] rep = maxRepetitionLevel == 0 ? null
                : BitPacking.hybrid(chunk, body, defStart, bitWidth(maxRepetitionLevel), page.numValues());
        int[] def = maxDefinitionLevel == 0 ? null
                : BitPacking.hybrid(chunk, defStart, defStart + v2.definitionLength(), bitWidth(maxDefinitionLevel),
                        page.numValues());
        int levelBytes = v2.repetitionLength() + v2.definitionLength();
        int valuesStart = body + levelBytes;
        int compressedValues = page.compressedSize() - levelBytes;
        int uncompressedValues = page.uncompressedSize() - levelBytes;
        byte[] data = v2.compressed()
                ? codec.decompress(chunk, valuesStart, compressedValues, uncompressedValues)
                : Codec.UNCOMPRESSED.decompress(chunk, valuesStart, compressedValues, uncompressedValues);
        return emit(page, rep, def, data, 0, data.length);
    }

    private static int bitWidth(int maxLevel) {
        return 32 - Integer.numberOfLeadingZeros(maxLevel);
    }

    /** Appends the page's levels and its present values from {@code data[from, to)}. */
    private int emit(PageHeader page, int[] rep, int[] def, byte[] data, int from, int to) {
        int n = page.numValues();
        int present = 0;
        for (int i = 0; i < n; i++) {
            int d = def == null ? 0 : def[i];
            if (d > maxDefinitionLevel || (rep != null && rep[i] > maxRepetitionLevel)) {
                throw new ParquetFormatException("corrupt page: a level above its maximum");
            }
            present += d == maxDefinitionLevel ? 1 : 0;
            repetition.add(rep == null ? 0 : rep[i]);
            definition.add(def == null ? maxDefinitionLevel : d);
        }
        values.addAll(Arrays.asList(values(page.encoding(), data, from, to, present)));
        return n;
    }

    /** {@code count} values of {@code encoding} from {@code data[from, to)}. */
    private Object[] values(int encoding, byte[] data, int from, int to, int count) {
        return switch (encoding) {
            case PLAIN -> plain(data, from, to, count);
            case PLAIN_DICTIONARY, RLE_DICTIONARY -> dictionaryLookups(data, from, to, count);
            case DELTA_BINARY_PACKED -> deltaIntegers(data, from, to, count);
            case DELTA_LENGTH_BYTE_ARRAY -> byteArraysOnly(encoding, () -> deltaLength(data, from, to, count));
            case DELTA_BYTE_ARRAY -> byteArraysOnly(encoding, () -> deltaStrings(data, from, to, count));
            case RLE -> rleBooleans(data, from, to, count);
            case BYTE_STREAM_SPLIT -> byteStreamSplit(data, from, to, count);
            default -> throw new ParquetFormatException("unsupported value encoding " + encodingName(encoding));
        };
    }

    /** PLAIN values of the column's type. */
    private Object[] plain(byte[] data, int from, int to, int count) {
        ByteCursor c = new ByteCursor(data, from, to);
        Object[] out = new Object[count];
        switch (type) {
            case BYTE_ARRAY -> {
                // each a 4-byte little-endian length, then that many bytes
                for (int i = 0; i < count; i++) {
                    int length = (int) c.fixedLittleEndian(4);
                    int start = c.pos;
                    c.skip(Integer.toUnsignedLong(length));
                    out[i] = new String(data, start, length, StandardCharsets.UTF_8);
                }
            }
            case INT32 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = (int) c.fixedLittleEndian(4);
                }
            }
            case INT64 -> {
                for (int i = 0; i < count; i++) {
                    out[i] = c.fixedLittleEndian(8);
                }
            }
            case FLOAT -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Float.intBitsToFloat((int) c.fixedLittleEndian(4));
                }
            }
            case DOUBLE -> {
                for (int i = 0; i < count; i++) {
                    out[i] = Double.longBitsToDouble(c.fixedLittleEndian(8));
                }
            }
            case BOOLEAN -> {
                // one bit per value, least significant first
                long[] bits = BitPacking.unpack(data, from, to, 1, count);
                for (int i = 0; i < count; i++) {
                    out[i] = bits[i] == 1;
                }
            }
            default -> throw new ParquetFormatException("unsupported physical type " + type);
        }
        return out;
    }

    /** Dictionary indices: one byte giving their bit width, then the RLE/bit-packed hybrid to the end of the page. */
    private Object[] dictionaryLookups(byte[] data, int from, int to, int count) {
        if (dictionary == null) {
            throw new ParquetFormatException("corrupt column chunk: dictionary-encoded page without a dictionary page");
        }
        Object[] out = new Object[count];
        if (count == 0) {
            return out;
        }
        ByteCursor c = new ByteCursor(data, from, to);
        int bitWidth = c.readByte();
        int[] indices = BitPacking.hybrid(data, c.pos, to, bitWidth, count);
        for (int i = 0; i < count; i++) {
            if (indices[i] < 0 || indices[i] >= dictionary.length) {
                throw new ParquetFormatException("corrupt page: dictionary index " + indices[i] + " of "
                        + dictionary.length);
            }
            out[i] = dictionary[indices[i]];
        }
        return out;
    }

    /** DELTA_BINARY_PACKED INT32 or INT64 values. */
    private Object[] deltaIntegers(byte[] data, int from, int to, int count) {
        if (type != Column.PhysicalType.INT32 && type != Column.PhysicalType.INT64) {
            throw new ParquetFormatException("corrupt page: DELTA_BINARY_PACKED values in a " + type + " column");
        }
        long[] decoded = BitPacking.deltaBinaryPacked(data, from, to).values();
        checkCount(decoded.length, count);
        Object[] out = new Object[count];
        for (int i = 0; i < count; i++) {
            out[i] = type == Column.PhysicalType.INT32 ? (Object) (int) decoded[i] : (Object) decoded[i];
        }
        return out;
    }

    /** RLE booleans (v2 pages): a 4-byte length, then the RLE/bit-packed hybrid of 1-bit values. */
    private Object[] rleBooleans(byte[] data, int from, int to, int count) {
        if (type != Column.PhysicalType.BOOLEAN) {
            throw new ParquetFormatException("unsupported value encoding RLE for a " + type + " column");
        }
        ByteCursor c = new ByteCursor(data, from, to);
        long length = c.fixedLittleEndian(4);
        int start = c.pos;
        c.skip(length);
        int[] bits = BitPacking.hybrid(data, start, c.pos, 1, count);
        Object[] out = new Object[count];
        for (int i = 0; i < count; i++) {
            out[i] = bits[i] == 1;
        }
        return out;
    }

    /**
     * BYTE_STREAM_SPLIT (fixed-width numbers): {@code width} streams of {@code count} bytes, stream {@code b} holding
     * byte {@code b} (little-endian order) of every value; reassembled, the bytes are the PLAIN values.
     */
    private Object[] byteStreamSplit(byte[] data, int from, int to, int count) {
        int width = switch (type) {
            case INT32, FLOAT -> 4;
            case INT64, DOUBLE -> 8;
            default -> throw new ParquetFormatException("unsupported value encoding BYTE_STREAM_SPLIT for a " + type
                    + " column");
        };
        if ((long) width * count > to - from) {
            throw new ParquetFormatException("corrupt page: BYTE_STREAM_SPLIT data shorter than its values");
        }
        byte[] plain = new byte[width * count];
        for (int i = 0; i < count; i++) {
            for (int b = 0; b < width; b++) {
                plain[i * width + b] = data[from + b * count + i];
            }
        }
        return plain(plain, 0, plain.length, count);
    }

    private Object[] byteArraysOnly(int encoding, java.util.function.Supplier<Object[]> decode) {
        if (type != Column.PhysicalType.BYTE_ARRAY) {
            throw new ParquetFormatException("corrupt page: " + encodingName(encoding) + " values in a " + type
                    + " column");
        }
        return decode.get();
    }

    /** DELTA_LENGTH_BYTE_ARRAY: all lengths (DELTA_BINARY_PACKED), then all the bytes, concatenated. */
    private static Object[] deltaLength(byte[] data, int from, int to, int count) {
        byte[][] bytes = deltaLengthBytes(data, from, to, count);
        Object[] out = new Object[count];
        for (int i = 0; i < count; i++) {
            out[i] = new String(bytes[i], StandardCharsets.UTF_8);
        }
        return out;
    }

    /**
     * DELTA_BYTE_ARRAY (incremental encoding): the lengths of the prefixes shared with the previous value
     * (DELTA_BINARY_PACKED), then the suffixes as DELTA_LENGTH_BYTE_ARRAY.
     */
    private static Object[] deltaStrings(byte[] data, int from, int to, int count) {
        BitPacking.Decoded prefixes = BitPacking.deltaBinaryPacked(data, from, to);
        byte[][] suffixes = deltaLengthBytes(data, prefixes.end(), to, count);
        checkCount(prefixes.values().length, count);
        Object[] out = new Object[count];
        byte[] previous = new byte[0];
        for (int i = 0; i < count; i++) {
            long prefix = prefixes.values()[i];
            if (prefix < 0 || prefix > previous.length) {
                throw new ParquetFormatException("corrupt page: prefix length " + prefix + " of a "
                        + previous.length + "-byte value");
            }
            byte[] value = Arrays.copyOf(previous, (int) prefix + suffixes[i].length);
            System.arraycopy(suffixes[i], 0, value, (int) prefix, suffixes[i].length);
            out[i] = new String(value, StandardCharsets.UTF_8);
            previous = value;
        }
        return out;
    }

    /** DELTA_LENGTH_BYTE_ARRAY values as bytes. */
    private static byte[][] deltaLengthBytes(byte[] data, int from, int to, int count) {
        BitPacking.Decoded lengths = BitPacking.deltaBinaryPacked(data, from, to);
        checkCount(lengths.values().length, count);
        ByteCursor c = new ByteCursor(data, lengths.end(), to);
        byte[][] out = new byte[count][];
        for (int i = 0; i < count; i++) {
            int start = c.pos;
            c.skip(lengths.values()[i]);
            out[i] = Arrays.copyOfRange(data, start, c.pos);
        }
        return out;
    }

    private static void checkCount(int found, int expected) {
        if (found != expected) {
            throw new ParquetFormatException("corrupt page: " + found + " encoded values for " + expected
                    + " present rows");
        }
    }

    private static final List<String> ENCODINGS = List.of("PLAIN", "GROUP_VAR_INT", "PLAIN_DICTIONARY", "RLE",
            "BIT_PACKED", "DELTA_BINARY_PACKED", "DELTA_LENGTH_BYTE_ARRAY", "DELTA_BYTE_ARRAY", "RLE_DICTIONARY",
            "BYTE_STREAM_SPLIT");

    private static String encodingName(int encoding) {
        return encoding >= 0 && encoding < ENCODINGS.size() ? ENCODINGS.get(encoding) : "number " + encoding;
    }

    /** A growable int array. */
    private static final class IntList {
        private int[] a = new int[64];
        private int n;

        void add(int v) {
            if (n == a.length) {
                a = Arrays.copyOf(a, n * 2);
            }
            a[n++] = v;
        }

        int[] toArray() {
            return Arrays.copyOf(a, n);
        }
    }
}
