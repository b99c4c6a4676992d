package org.lmqt.io.parquet;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;
import org.lmqt.cli.UserException;

/**
 * A minimal reader of Apache Parquet files: one flat text column (BYTE_ARRAY annotated STRING/UTF8) as a
 * {@code List<String>}, rows in file order, {@code null} where a row is null ({@link #readStrings}); or whole rows
 * with nested fields (structs, lists; strings, integers, booleans, floats) as JSON objects shaped like the Hugging
 * Face dataset's rows ({@link #readRows}). Enough for the dataset files that evaluation reads (WikiText, C4, the
 * lm-eval tasks' parquet files); no maps, no predicates.
 *
 * <p>Layout: {@code PAR1}, the column chunks, the footer (Thrift compact-encoded {@code FileMetaData}), the footer's
 * length (4 bytes little-endian) and {@code PAR1} again. Supported: DATA_PAGE v1 and v2, dictionary pages, value
 * encodings PLAIN, PLAIN_DICTIONARY/RLE_DICTIONARY, DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY, any number of
 * row groups and pages, codecs UNCOMPRESSED, SNAPPY, GZIP, ZSTD and LZ4_RAW. Everything else, and every corrupt or
 * truncated file, is a one-line {@link UserException} naming the file.
 *
 * <pre>{@code
 * ParquetFile f = ParquetFile.open(Path.of("test-00000-of-00001.parquet"));
 * List<String> rows = f.readStrings("text");  // 4,358 rows for WikiText-2's test split
 * }</pre>
 */
public final class ParquetFile {
    private static final byte[] MAGIC = "PAR1".getBytes(StandardCharsets.US_ASCII);
    /** Magic at the start, footer length and magic at the end. */
    private static final int FRAME_BYTES = 12;

    private final Path file;
    private final FileMetadata metadata;
    /** Where the footer starts: column chunks lie before it. */
    private final long footerStart;

    private ParquetFile(Path file, FileMetadata metadata, long footerStart) {
        this.file = file;
        this.metadata = metadata;
        this.footerStart = footerStart;
    }

    /** Reads the footer of {@code file}; a {@link UserException} when it is not a readable parquet file. */
    public static ParquetFile open(Path file) {
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < MAGIC.length || !isMagic(read(ch, 0, MAGIC.length), 0)) {
                throw new UserException(file + ": not a parquet file (it does not start with PAR1)");
            }
            if (size < FRAME_BYTES) {
                throw new UserException(file + ": truncated parquet file (" + size + " bytes)");
            }
            byte[] tail = read(ch, size - 8, 8);
            if (!isMagic(tail, 4)) {
                throw new UserException(file + ": truncated parquet file (it does not end with PAR1)");
            }
            long footerLength = Integer.toUnsignedLong(ByteBuffer.wrap(tail, 0, 4)
                    .order(ByteOrder.LITTLE_ENDIAN).getInt());
            long footerStart = size - 8 - footerLength;
            if (footerStart < MAGIC.length) {
                throw new UserException(file + ": truncated parquet file (the footer claims " + footerLength
                        + " bytes of " + size + ")");
            }
            byte[] footer = read(ch, footerStart, (int) footerLength);
            FileMetadata metadata;
            try {
                metadata = FileMetadata.decode(new CompactProtocol(footer, 0, footer.length).readStruct());
            } catch (ParquetFormatException e) {
                throw new UserException(file + ": corrupt parquet footer (" + e.getMessage() + ")");
            }
            return new ParquetFile(file, metadata, footerStart);
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e + ")");
        }
    }

    /** The file this reads. */
    public Path path() {
        return file;
    }

    /** The schema's top-level fields, in order. */
    public List<Column> columns() {
        return metadata.columns();
    }

    /** Rows in the file, from the footer. */
    public long rowCount() {
        return metadata.numRows();
    }

    /** Row groups in the file. */
    public int rowGroupCount() {
        return metadata.rowGroups().size();
    }

    /**
     * Every row of the string column {@code name}, in file order; {@code null} for a null row. A one-line
     * {@link UserException} when there is no such column, when it is nested, repeated or not a string, and when its
     * pages cannot be decoded.
     */
    public List<String> readStrings(String name) {
        Column column = stringColumn(name);
        List<String> rows = new ArrayList<>();
        int maxDefinitionLevel = column.repetition() == Column.Repetition.OPTIONAL ? 1 : 0;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int g = 0; g < metadata.rowGroups().size(); g++) {
                FileMetadata.RowGroup group = metadata.rowGroups().get(g);
                int before = rows.size();
                try {
                    FileMetadata.ChunkMetadata chunk = chunkOf(group, List.of(name));
                    ChunkReader.readStrings(chunkBytes(ch, chunk), Codec.of(chunk.codec()), maxDefinitionLevel,
                            chunk.numValues(), rows);
                    if (rows.size() - before != group.numRows()) {
                        throw new ParquetFormatException("corrupt: " + (rows.size() - before) + " values for "
                                + group.numRows() + " rows");
                    }
                } catch (ParquetFormatException e) {
                    throw new UserException(file + ": column '" + name + "', row group " + g + ": " + e.getMessage());
                }
            }
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e + ")");
        }
        return rows;
    }

    /** Every row with all its top-level fields, as {@link #readRows(List)} reads them. */
    public List<ObjectNode> readRows() {
        return readRows(columns().stream().map(Column::name).toList());
    }

    /**
     * Every row, in file order, as an object of the top-level fields {@code names} (in that order), nested fields
     * as the Hugging Face {@code datasets} library presents them: structs as objects, lists ({@code LIST} groups,
     * 3-level or legacy 2-level, and bare repeated fields) as arrays, nulls as JSON null. Leaves may be strings,
     * INT32/INT64 (plain integers or INTEGER-annotated), booleans, floats and doubles; maps, binary, decimals,
     * dates, timestamps and fixed-length arrays are a one-line {@link UserException}, as are missing fields and
     * undecodable pages.
     */
    public List<ObjectNode> readRows(List<String> names) {
        List<SchemaNode> fields = new ArrayList<>();
        List<RowAssembler.Leaf> leaves = new ArrayList<>();
        for (String name : names) {
            column(name);
            SchemaNode field = metadata.fields().stream().filter(f -> f.name().equals(name)).findFirst().orElseThrow();
            fields.add(field);
            try {
                leaves.addAll(RowAssembler.leaves(field));
            } catch (ParquetFormatException e) {
                throw new UserException(file + ": column '" + name + "': " + e.getMessage());
            }
        }
        List<ObjectNode> rows = new ArrayList<>();
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            for (int g = 0; g < metadata.rowGroups().size(); g++) {
                FileMetadata.RowGroup group = metadata.rowGroups().get(g);
                List<ObjectNode> groupRows = new ArrayList<>();
                for (long i = 0; i < group.numRows(); i++) {
                    groupRows.add(JsonNodeFactory.instance.objectNode());
                }
                for (RowAssembler.Leaf leaf : leaves) {
                    try {
                        FileMetadata.ChunkMetadata chunk = chunkOf(group, leaf.names());
                        ChunkReader.Levels levels = ChunkReader.read(chunkBytes(ch, chunk), Codec.of(chunk.codec()),
                                leaf.leaf().type().orElseThrow(), leaf.maxDefinitionLevel(),
                                leaf.maxRepetitionLevel(), chunk.numValues());
                        RowAssembler.add(leaf, levels, groupRows, 0);
                    } catch (ParquetFormatException e) {
                        throw new UserException(file + ": column '" + String.join(".", leaf.names()) + "', row group "
                                + g + ": " + e.getMessage());
                    }
                }
                for (ObjectNode physical : groupRows) {
                    ObjectNode row = JsonNodeFactory.instance.objectNode();
                    for (SchemaNode field : fields) {
                        row.set(field.name(), RowAssembler.logical(field, physical.get(field.name())));
                    }
                    rows.add(row);
                }
            }
        } catch (IOException e) {
            throw new UserException(file + ": cannot read (" + e + ")");
        }
        return rows;
    }

    /** The top-level field {@code name}, which must exist. */
    private Column column(String name) {
        Optional<Column> found = columns().stream().filter(c -> c.name().equals(name)).findFirst();
        if (found.isEmpty()) {
            throw new UserException(file + ": no column '" + name + "' (columns: " + columns().stream()
                    .map(Column::name).collect(Collectors.joining(", ")) + ")");
        }
        return found.get();
    }

    /** The top-level column {@code name}, checked to be a flat string column. */
    private Column stringColumn(String name) {
        Column c = column(name);
        if (!c.isFlat()) {
            throw new UserException(file + ": column " + c.describe() + " is nested or repeated; only flat columns "
                    + "can be read");
        }
        if (!c.isString()) {
            throw new UserException(file + ": column " + c.describe() + " is not a string column");
        }
        return c;
    }

    private static FileMetadata.ChunkMetadata chunkOf(FileMetadata.RowGroup group, List<String> path) {
        return group.chunks().stream().filter(c -> c.path().equals(path)).findFirst()
                .orElseThrow(() -> new ParquetFormatException("corrupt: no column chunk for the column"));
    }

    /** The bytes of a column chunk, which must lie between the leading magic and the footer. */
    private byte[] chunkBytes(FileChannel ch, FileMetadata.ChunkMetadata chunk) throws IOException {
        long start = chunk.start();
        long end = start + chunk.totalCompressedSize(); // the size counts from the chunk's first page, headers included
        if (start < MAGIC.length || end > footerStart || chunk.totalCompressedSize() > Integer.MAX_VALUE) {
            throw new ParquetFormatException("truncated or corrupt file: the column chunk at bytes " + start + "-"
                    + end + " lies outside the data (" + footerStart + " bytes)");
        }
        return read(ch, start, (int) (end - start));
    }

    private static byte[] read(FileChannel ch, long position, int length) throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(length);
        while (buf.hasRemaining()) {
            if (ch.read(buf, position + buf.position()) < 0) {
                throw new IOException("unexpected end of file");
            }
        }
        return buf.array();
    }

    private static boolean isMagic(byte[] bytes, int offset) {
        return Arrays.equals(bytes, offset, offset + MAGIC.length, MAGIC, 0, MAGIC.length);
    }
}
