package org.lmqt.io.parquet;

import java.util.Optional;

/**
 * A page's {@code PageHeader} (parquet.thrift), which precedes every page of a column chunk.
 *
 * @param type             {@code PageType}: {@link #DATA_PAGE}, {@link #DICTIONARY_PAGE}, {@link #DATA_PAGE_V2}...
 * @param uncompressedSize the page's size after decompression (for v2, levels included)
 * @param compressedSize   the page's size in the file, after the header
 * @param numValues        values in the page: levels, so nulls included, for data pages; entries for a dictionary
 * @param encoding         the values' {@code Encoding}
 * @param v2               the level layout of a DATA_PAGE_V2, else empty
 * @param v1DefinitionLevelEncoding a v1 data page's definition-level encoding (RLE = 3 in practice)
 * @param v1RepetitionLevelEncoding a v1 data page's repetition-level encoding (RLE = 3 in practice)
 */
record PageHeader(int type, int uncompressedSize, int compressedSize, int numValues, int encoding,
                  Optional<V2Levels> v2, int v1DefinitionLevelEncoding, int v1RepetitionLevelEncoding) {
    static final int DATA_PAGE = 0;
    static final int INDEX_PAGE = 1;
    static final int DICTIONARY_PAGE = 2;
    static final int DATA_PAGE_V2 = 3;

    /**
     * How a v2 data page starts: repetition then definition levels, uncompressed and without length prefix, then the
     * values, compressed when {@code compressed}.
     */
    record V2Levels(int repetitionLength, int definitionLength, boolean compressed) {}

    /** Decodes a PageHeader struct. */
    static PageHeader decode(ThriftStruct h) {
        int type = (int) h.requiredInteger(1);
        int uncompressed = (int) h.requiredInteger(2);
        int compressed = (int) h.requiredInteger(3);
        if (uncompressed < 0 || compressed < 0) {
            throw new ParquetFormatException("corrupt page header: negative page size");
        }
        return switch (type) {
            case DATA_PAGE -> {
                ThriftStruct d = required(h, 5, "data_page_header");
                yield new PageHeader(type, uncompressed, compressed, (int) d.requiredInteger(1),
                        (int) d.requiredInteger(2), Optional.empty(), (int) d.requiredInteger(3),
                        (int) d.requiredInteger(4));
            }
            case DICTIONARY_PAGE -> {
                ThriftStruct d = required(h, 7, "dictionary_page_header");
                yield new PageHeader(type, uncompressed, compressed, (int) d.requiredInteger(1),
                        (int) d.requiredInteger(2), Optional.empty(), -1, -1);
            }
            case DATA_PAGE_V2 -> {
                ThriftStruct d = required(h, 8, "data_page_header_v2");
                var levels = new V2Levels((int) d.requiredInteger(6), (int) d.requiredInteger(5),
                        d.bool(7).orElse(true));
                if (levels.repetitionLength() < 0 || levels.definitionLength() < 0
                        || levels.repetitionLength() + levels.definitionLength() > Math.min(compressed, uncompressed)) {
                    throw new ParquetFormatException("corrupt page header: level lengths exceed the page");
                }
                yield new PageHeader(type, uncompressed, compressed, (int) d.requiredInteger(1),
                        (int) d.requiredInteger(4), Optional.of(levels), -1, -1);
            }
            default -> new PageHeader(type, uncompressed, compressed, 0, -1, Optional.empty(), -1, -1);
        };
    }

    private static ThriftStruct required(ThriftStruct h, int id, String name) {
        return h.struct(id).orElseThrow(() -> new ParquetFormatException("corrupt page header: no " + name));
    }
}
