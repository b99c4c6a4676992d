package org.lmqt.io.parquet;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The part of parquet's {@code FileMetaData} (the footer, parquet.thrift) that reading columns needs: the
 * schema tree, the row count and, per row group, where each column chunk lies. Field ids in the decoders below are
 * those of parquet.thrift.
 *
 * @param fields    the root's children (with their subtrees), in schema order
 * @param numRows   rows in the file
 * @param rowGroups the row groups in file order
 */
record FileMetadata(List<SchemaNode> fields, long numRows, List<RowGroup> rowGroups) {
    FileMetadata {
        fields = List.copyOf(fields);
        rowGroups = List.copyOf(rowGroups);
    }

    /** The top-level fields as columns. */
    List<Column> columns() {
        return fields.stream().map(SchemaNode::column).toList();
    }

    /** {@code LogicalType} union members by field id (0 and 9 are unused). */
    private static final List<String> LOGICAL_TYPES = List.of("?", "STRING", "MAP", "LIST", "ENUM", "DECIMAL", "DATE",
            "TIME", "TIMESTAMP", "?", "INTEGER", "NULL", "JSON", "BSON", "UUID", "FLOAT16", "VARIANT", "GEOMETRY",
            "GEOGRAPHY");
    /** {@code ConvertedType} by number. */
    private static final List<String> CONVERTED_TYPES = List.of("UTF8", "MAP", "MAP_KEY_VALUE", "LIST", "ENUM",
            "DECIMAL", "DATE", "TIME_MILLIS", "TIME_MICROS", "TIMESTAMP_MILLIS", "TIMESTAMP_MICROS", "UINT_8",
            "UINT_16", "UINT_32", "UINT_64", "INT_8", "INT_16", "INT_32", "INT_64", "JSON", "BSON", "INTERVAL");

    /** A row group: its row count and its column chunks. */
    record RowGroup(long numRows, List<ChunkMetadata> chunks) {
        RowGroup {
            chunks = List.copyOf(chunks);
        }
    }

    /**
     * A column chunk's {@code ColumnMetaData}.
     *
     * @param path                 {@code path_in_schema}: the field names from the root to the leaf
     * @param codec                {@code CompressionCodec} number
     * @param numValues            values in the chunk, nulls included
     * @param dictionaryPageOffset where the dictionary page starts, when the chunk has one
     */
    record ChunkMetadata(Column.PhysicalType type, List<String> path, int codec, long numValues,
                         long totalCompressedSize, long dataPageOffset, Optional<Long> dictionaryPageOffset) {
        ChunkMetadata {
            path = List.copyOf(path);
        }

        /** The first byte of the chunk: its dictionary page when there is one, else its first data page. */
        long start() {
            // some old writers set dictionary_page_offset to 0 when there is no dictionary page
            return dictionaryPageOffset.filter(d -> d > 0 && d < dataPageOffset).orElse(dataPageOffset);
        }
    }

    /** Decodes the footer's FileMetaData struct. */
    static FileMetadata decode(ThriftStruct fileMetaData) {
        List<ThriftStruct> schema = fileMetaData.list(2, ThriftStruct.class);
        if (schema.isEmpty()) {
            throw new ParquetFormatException("empty schema");
        }
        List<RowGroup> rowGroups = new ArrayList<>();
        for (ThriftStruct rg : fileMetaData.list(4, ThriftStruct.class)) {
            List<ChunkMetadata> chunks = new ArrayList<>();
            for (ThriftStruct chunk : rg.list(1, ThriftStruct.class)) {
                if (chunk.string(1).isPresent()) {
                    throw new ParquetFormatException("column chunks in another file are not supported ("
                            + chunk.string(1).get() + ")");
                }
                chunks.add(chunkMetadata(chunk.struct(3).orElseThrow(
                        () -> new ParquetFormatException("a column chunk without meta_data"))));
            }
            rowGroups.add(new RowGroup(rg.requiredInteger(3), chunks));
        }
        return new FileMetadata(topLevelFields(schema), fileMetaData.requiredInteger(3), rowGroups);
    }

    private static ChunkMetadata chunkMetadata(ThriftStruct m) {
        return new ChunkMetadata(Column.PhysicalType.of(m.requiredInteger(1)), m.list(3, byte[].class).stream()
                .map(b -> new String(b, StandardCharsets.UTF_8)).toList(),
                (int) m.requiredInteger(4), m.requiredInteger(5), m.requiredInteger(7), m.requiredInteger(9),
                m.integer(11));
    }

    /**
     * The root's children with their subtrees. The schema list is the tree in depth-first order, each group giving
     * its number of children; element 0 is the root.
     */
    private static List<SchemaNode> topLevelFields(List<ThriftStruct> schema) {
        int rootChildren = schema.get(0).integer(5).orElse(0L).intValue();
        List<SchemaNode> fields = new ArrayList<>();
        int[] next = {1};
        for (int i = 0; i < rootChildren; i++) {
            fields.add(node(schema, next, 0));
        }
        return fields;
    }

    /** The subtree that starts at {@code next[0]}, which it advances past the subtree. */
    private static SchemaNode node(List<ThriftStruct> schema, int[] next, int depth) {
        if (next[0] >= schema.size()) {
            throw new ParquetFormatException("the schema has fewer elements than its groups say");
        }
        if (depth > 64) {
            throw new ParquetFormatException("the schema nests deeper than 64 levels");
        }
        ThriftStruct e = schema.get(next[0]++);
        String name = e.string(4).orElseThrow(() -> new ParquetFormatException("unnamed field"));
        int childCount = e.integer(5).orElse(0L).intValue();
        boolean group = childCount > 0 || e.integer(1).isEmpty();
        List<SchemaNode> children = new ArrayList<>();
        for (int i = 0; i < childCount; i++) {
            children.add(node(schema, next, depth + 1));
        }
        if (group && children.isEmpty()) {
            throw new ParquetFormatException("field " + name + " is a group without fields");
        }
        return new SchemaNode(name, group ? Optional.empty() : Optional.of(Column.PhysicalType.of(e.integer(1).get())),
                Column.Repetition.of(e.integer(3).orElse(0L)), annotation(e), children);
    }

    /** The logical type's name when there is one (STRING, JSON...), else the converted type's (UTF8, ENUM...). */
    private static Optional<String> annotation(ThriftStruct e) {
        Optional<ThriftStruct> logical = e.struct(10);
        if (logical.isPresent() && logical.get().fields().size() == 1) {
            int id = logical.get().fields().keySet().iterator().next();
            return Optional.of(id < LOGICAL_TYPES.size() ? LOGICAL_TYPES.get(id) : "logical type " + id);
        }
        return e.integer(6).map(c -> c < CONVERTED_TYPES.size() ? CONVERTED_TYPES.get(c.intValue())
                : "converted type " + c);
    }
}
