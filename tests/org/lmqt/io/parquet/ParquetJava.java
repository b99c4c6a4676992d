package org.lmqt.io.parquet;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.column.page.DataPage;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.page.PageReader;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.ParquetFileReader;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.example.ExampleParquetWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalInputFile;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;

/**
 * parquet-java (the reference Java implementation, formerly parquet-mr) as a second independent writer: unlike
 * DuckDB it writes small pages, DATA_PAGE_V2 pages, and falls back from dictionary to plain (or, for v2,
 * DELTA_BYTE_ARRAY) encoding within a column chunk once the dictionary outgrows its limit, as pyarrow does for
 * the WikiText files.
 */
public final class ParquetJava {
    private static final MessageType OPTIONAL_TEXT = MessageTypeParser.parseMessageType(
            "message dataset { optional binary text (STRING); }");
    private static final MessageType REQUIRED_TEXT = MessageTypeParser.parseMessageType(
            "message dataset { required binary text (STRING); }");

    static {
        // Hadoop's codec pool logs every compressor it hands out; parquet-java warns about our tiny row groups
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.hadoop", "warn");
        System.setProperty("org.slf4j.simpleLogger.log.org.apache.parquet", "error");
    }

    private ParquetJava() {}

    /** How to write: page format v1 or v2, codec, and the page, dictionary and row-group sizes in bytes. */
    public record Options(WriterVersion version, CompressionCodecName codec, int pageSize, int dictionaryPageSize,
                   long rowGroupSize) {}

    /** Writes {@code rows} ({@code null} for a null row) as the optional string column {@code text}. */
    public static Path write(List<String> rows, Path file, Options o) throws IOException {
        return write(OPTIONAL_TEXT, rows, file, o);
    }

    /** Writes {@code rows} (none null) as the required string column {@code text}: no definition levels. */
    static Path writeRequired(List<String> rows, Path file, Options o) throws IOException {
        return write(REQUIRED_TEXT, rows, file, o);
    }

    private static Path write(MessageType schema, List<String> rows, Path file, Options o) throws IOException {
        SimpleGroupFactory groups = new SimpleGroupFactory(schema);
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(schema)
                .withWriterVersion(o.version()).withCompressionCodec(o.codec()).withPageSize(o.pageSize())
                .withPageRowCountLimit(1_000).withDictionaryEncoding(true)
                .withDictionaryPageSize(o.dictionaryPageSize()).withRowGroupSize(o.rowGroupSize()).build()) {
            for (String row : rows) {
                Group g = groups.newGroup();
                if (row != null) {
                    g.add("text", row);
                }
                w.write(g);
            }
        }
        return file;
    }

    /** Writes {@code rows}, groups of {@code schema} (nested fields, any types), with the writer options {@code o}. */
    public static Path writeGroups(MessageType schema, List<Group> rows, Path file, Options o) throws IOException {
        try (ParquetWriter<Group> w = ExampleParquetWriter.builder(new LocalOutputFile(file)).withType(schema)
                .withWriterVersion(o.version()).withCompressionCodec(o.codec()).withPageSize(o.pageSize())
                .withPageRowCountLimit(100).withDictionaryEncoding(true)
                .withDictionaryPageSize(o.dictionaryPageSize()).withRowGroupSize(o.rowGroupSize()).build()) {
            for (Group g : rows) {
                w.write(g);
            }
        }
        return file;
    }

    /** The pages parquet-java finds in {@code file}: data pages per row group, and whether any are v2. */
    record Pages(List<Integer> dataPagesPerRowGroup, boolean anyV2) {}

    static Pages pages(Path file) throws IOException {
        try (ParquetFileReader r = ParquetFileReader.open(new LocalInputFile(file))) {
            ColumnDescriptor column = r.getFileMetaData().getSchema().getColumns().get(0);
            List<Integer> counts = new java.util.ArrayList<>();
            boolean v2 = false;
            PageReadStore group;
            while ((group = r.readNextRowGroup()) != null) {
                PageReader pages = group.getPageReader(column);
                int n = 0;
                DataPage page;
                while ((page = pages.readPage()) != null) {
                    v2 |= page instanceof org.apache.parquet.column.page.DataPageV2;
                    n++;
                }
                counts.add(n);
            }
            return new Pages(counts, v2);
        }
    }
}
