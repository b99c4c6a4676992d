package org.lmqt.io.parquet;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * Decodes the pages of one column chunk of a flat BYTE_ARRAY column into strings, nulls where the definition level
 * says the row is null. A chunk is a sequence of pages, each a Thrift {@code PageHeader} followed by its body: at
 * most one DICTIONARY_PAGE first, then DATA_PAGE (v1) or DATA_PAGE_V2 pages. Each data page names its own value
 * encoding, so a chunk that falls back from dictionary to plain encoding midway (as parquet-mr and pyarrow do when
 * the dictionary grows too big) reads like any other.
 */
final class StringChunkReader {
    private static final int PLAIN = 0;
    private static final int PLAIN_DICTIONARY = 2;
    private static final int RLE = 3;
    private static final int DELTA_LENGTH_BYTE_ARRAY = 6;
    private static final int DELTA_BYTE_ARRAY = 7;
    private static final int RLE_DICTIONARY = 8;

    private final byte[] chunk;
    private final Codec codec;
    /** 1 for an optional column (a level per row: 1 present, 0 null), 0 for a required one (no levels stored). */
    private final int maxDefinitionLevel;
    private String[] dictionary;

    private StringChunkReader(byte[] chunk, Codec codec, int maxDefinitionLevel) {
        this.chunk = chunk;
        this.codec = codec;
        this.maxDefinitionLevel = maxDefinitionLevel;
    }

    /** Appends the {@code numValues} rows of {@code chunk} (the chunk's bytes) to {@code out}. */
    static void read(byte[] chunk, Codec codec, int maxDefinitionLevel, long numValues, List<String> out) {
        new StringChunkReader(chunk, codec, maxDefinitionLevel).readPages(numValues, out);
    }

    private void readPages(long numValues, List<String> out) {
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
                case PageHeader.DATA_PAGE -> read += readDataPageV1(page, body, out);
                case PageHeader.DATA_PAGE_V2 -> read += readDataPageV2(page, body, out);
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
        byte[] values = codec.decompress(chunk, body, page.compressedSize(), page.uncompressedSize());
        dictionary = plain(values, 0, values.length, page.numValues());
    }

    /** A v1 data page: all of it compressed; inside, length-prefixed RLE definition levels, then the values. */
    private int readDataPageV1(PageHeader page, int body, List<String> out) {
        byte[] data = codec.decompress(chunk, body, page.compressedSize(), page.uncompressedSize());
        int[] levels = null;
        int valuesStart = 0;
        if (maxDefinitionLevel > 0) {
            if (page.v1DefinitionLevelEncoding() != RLE) {
                throw new ParquetFormatException("unsupported definition-level encoding "
                        + encodingName(page.v1DefinitionLevelEncoding()));
            }
            ByteCursor prefix = new ByteCursor(data, 0, data.length);
            long length = prefix.fixedLittleEndian(4);
            prefix.skip(length);
            levels = BitPacking.hybrid(data, 4, prefix.pos, levelBitWidth(), page.numValues());
            valuesStart = prefix.pos;
        }
        return emit(page, levels, data, valuesStart, data.length, out);
    }

    /** A v2 data page: repetition and definition levels first, never compressed and not length-prefixed. */
    private int readDataPageV2(PageHeader page, int body, List<String> out) {
        PageHeader.V2Levels v2 = page.v2().orElseThrow();
        if (v2.repetitionLength() != 0) {
            throw new ParquetFormatException("unsupported: repetition levels in a flat column");
        }
        int[] levels = maxDefinitionLevel == 0 ? null : BitPacking.hybrid(chunk, body,
                body + v2.definitionLength(), levelBitWidth(), page.numValues());
        int valuesStart = body + v2.definitionLength();
        int compressedValues = page.compressedSize() - v2.definitionLength();
        int uncompressedValues = page.uncompressedSize() - v2.definitionLength();
        byte[] values = v2.compressed()
                ? codec.decompress(chunk, valuesStart, compressedValues, uncompressedValues)
                : Codec.UNCOMPRESSED.decompress(chunk, valuesStart, compressedValues, uncompressedValues);
        return emit(page, levels, values, 0, values.length, out);
    }

    private int levelBitWidth() {
        return 32 - Integer.numberOfLeadingZeros(maxDefinitionLevel);
    }

    /** Decodes the page's present values from {@code data[from, to)} and appends one row per level to {@code out}. */
    private int emit(PageHeader page, int[] levels, byte[] data, int from, int to, List<String> out) {
        int present = 0;
        for (int i = 0; i < page.numValues(); i++) {
            present += levels == null || levels[i] == maxDefinitionLevel ? 1 : 0;
        }
        String[] values = values(page.encoding(), data, from, to, present);
        int next = 0;
        for (int i = 0; i < page.numValues(); i++) {
            out.add(levels == null || levels[i] == maxDefinitionLevel ? values[next++] : null);
        }
        return page.numValues();
    }

    /** {@code count} values of {@code encoding} from {@code data[from, to)}. */
    private String[] values(int encoding, byte[] data, int from, int to, int count) {
        return switch (encoding) {
            case PLAIN -> plain(data, from, to, count);
            case PLAIN_DICTIONARY, RLE_DICTIONARY -> dictionaryLookups(data, from, to, count);
            case DELTA_LENGTH_BYTE_ARRAY -> deltaLength(data, from, to, count);
            case DELTA_BYTE_ARRAY -> deltaStrings(data, from, to, count);
            default -> throw new ParquetFormatException("unsupported value encoding " + encodingName(encoding));
        };
    }

    /** PLAIN byte arrays: each a 4-byte little-endian length, then that many bytes. */
    private static String[] plain(byte[] data, int from, int to, int count) {
        ByteCursor c = new ByteCursor(data, from, to);
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            int length = (int) c.fixedLittleEndian(4);
            int start = c.pos;
            c.skip(Integer.toUnsignedLong(length));
            out[i] = new String(data, start, length, StandardCharsets.UTF_8);
        }
        return out;
    }

    /** Dictionary indices: one byte giving their bit width, then the RLE/bit-packed hybrid to the end of the page. */
    private String[] dictionaryLookups(byte[] data, int from, int to, int count) {
        if (dictionary == null) {
            throw new ParquetFormatException("corrupt column chunk: dictionary-encoded page without a dictionary page");
        }
        String[] out = new String[count];
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

    /** DELTA_LENGTH_BYTE_ARRAY: all lengths (DELTA_BINARY_PACKED), then all the bytes, concatenated. */
    private static String[] deltaLength(byte[] data, int from, int to, int count) {
        byte[][] bytes = deltaLengthBytes(data, from, to, count);
        String[] out = new String[count];
        for (int i = 0; i < count; i++) {
            out[i] = new String(bytes[i], StandardCharsets.UTF_8);
        }
        return out;
    }

    /**
     * DELTA_BYTE_ARRAY (incremental encoding): the lengths of the prefixes shared with the previous value
     * (DELTA_BINARY_PACKED), then the suffixes as DELTA_LENGTH_BYTE_ARRAY.
     */
    private static String[] deltaStrings(byte[] data, int from, int to, int count) {
        BitPacking.Decoded prefixes = BitPacking.deltaBinaryPacked(data, from, to);
        byte[][] suffixes = deltaLengthBytes(data, prefixes.end(), to, count);
        checkCount(prefixes.values().length, count);
        String[] out = new String[count];
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
}
