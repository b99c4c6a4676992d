package org.lmqt.io.parquet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.apache.parquet.column.ParquetProperties.WriterVersion;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.example.data.simple.SimpleGroupFactory;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.MessageTypeParser;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lmqt.cli.UserException;

/**
 * {@link ParquetFile#readRows} on nested columns (structs, lists, lists of lists, lists of structs; strings, ints,
 * booleans, doubles; nulls at every level, empty lists, dictionary pages, several row groups and pages), written by
 * DuckDB and by parquet-java, compared with what each writer was given.
 */
class ParquetNestedTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    /**
     * Rows shaped like the lm-eval datasets' (ARC's {@code choices} struct of two string lists, HellaSwag's
     * {@code endings}, MMLU's int64 {@code answer}) plus deeper nesting; nulls and empty lists on purpose.
     */
    static final String ROWS = """
            SELECT i AS id,
                CAST(i % 4 AS INTEGER) AS answer,
                CASE WHEN i % 9 = 0 THEN NULL ELSE CAST(i * 7 AS INTEGER) END AS maybe,
                i % 2 = 0 AS flag,
                CAST(i AS DOUBLE) / 8 AS score,
                CASE WHEN i % 13 = 0 THEN NULL ELSE 'Frage ' || i || ' ✓' END AS question,
                CASE WHEN i % 17 = 0 THEN NULL ELSE {
                    'text': list_transform(range(i % 6), lambda x: CASE WHEN x = 2 AND i % 3 = 0 THEN NULL
                                                                   ELSE 'choice ' || x || ' of ' || i END),
                    'label': list_transform(range(i % 6), lambda x: chr(CAST(65 + x AS INTEGER)))} END AS choices,
                CASE WHEN i % 11 = 0 THEN NULL ELSE list_transform(range(i % 4), lambda x: 'ending ' || (i + x)) END
                    AS endings,
                list_transform(range(i % 3), lambda x: list_transform(range((i + x) % 3), lambda y: CAST(y AS BIGINT)))
                    AS grid,
                list_transform(range(i % 3), lambda x: {'n': CAST(x AS INTEGER),
                    's': CASE WHEN x = 1 THEN NULL ELSE 's' || i END}) AS pairs
            FROM range(ROWS) t(i)""";

    @TempDir
    static Path dir;
    static DuckDb duck;

    @BeforeAll
    static void start() throws SQLException {
        duck = new DuckDb();
    }

    @AfterAll
    static void stop() throws SQLException {
        duck.close();
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"uncompressed, v1", "snappy, v1", "zstd, v2", "gzip, v2"})
    void duckDbNestedRowsReadAsWritten(String codec, String version) throws SQLException, IOException {
        String select = ROWS.replace("ROWS", "3000");
        Path f = duck.write(select, dir.resolve("nested-" + codec + "-" + version + ".parquet"),
                "COMPRESSION " + codec + ", PARQUET_VERSION " + version + ", ROW_GROUP_SIZE 1000");
        List<String> expected = duck.strings("SELECT to_json(q) FROM (" + select + ") q ORDER BY id");
        ParquetFile p = ParquetFile.open(f);
        assertTrue(p.rowGroupCount() > 1, "several row groups");
        List<ObjectNode> rows = p.readRows();
        assertEquals(expected.size(), rows.size());
        for (int i = 0; i < rows.size(); i++) {
            assertEquals(JSON.readTree(expected.get(i)).toString(), rows.get(i).toString(), "row " + i);
        }
        assertTrue(rows.stream().anyMatch(r -> r.get("choices").isNull()), "a null struct");
        assertTrue(rows.stream().anyMatch(r -> r.get("endings").isArray() && r.get("endings").isEmpty()),
                "an empty list");
        assertTrue(rows.stream().anyMatch(r -> r.get("choices").path("text").path(2).isNull()), "a null element");
        List<String> encodings = duck.strings("SELECT DISTINCT type || ' ' || encodings FROM parquet_metadata('" + f
                + "')");
        assertTrue(encodings.contains(version.equals("v1") ? "INT32 PLAIN_DICTIONARY" : "INT32 RLE_DICTIONARY"),
                "dictionary-encoded integers: " + encodings);
        if (version.equals("v2")) {
            assertTrue(encodings.containsAll(List.of("INT64 DELTA_BINARY_PACKED", "DOUBLE BYTE_STREAM_SPLIT")),
                    encodings.toString());
        }
    }

    @Test
    void projectionKeepsTheAskedFieldsInOrder() throws SQLException {
        Path f = duck.write(ROWS.replace("ROWS", "20"), dir.resolve("projection.parquet"), "");
        List<ObjectNode> rows = ParquetFile.open(f).readRows(List.of("endings", "id"));
        assertEquals(20, rows.size());
        assertEquals(List.of("endings", "id"), iterable(rows.get(5).fieldNames()));
        assertEquals("[\"ending 5\"]", rows.get(5).get("endings").toString());
        assertEquals(5L, rows.get(5).get("id").longValue());
    }

    /** Three-level lists in a struct, a legacy two-level list, required int64, optional int32 and booleans. */
    private static final MessageType JAVA_SCHEMA = MessageTypeParser.parseMessageType("""
            message doc {
              required int64 answer;
              optional int32 idx;
              optional boolean flag;
              optional binary question (STRING);
              optional group choices {
                optional group text (LIST) { repeated group list { optional binary element (STRING); } }
                optional group label (LIST) { repeated group list { optional binary element (STRING); } }
              }
              optional group tags (LIST) { repeated binary array (UTF8); }
            }""");

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({"PARQUET_1_0, UNCOMPRESSED", "PARQUET_1_0, SNAPPY", "PARQUET_2_0, UNCOMPRESSED",
                "PARQUET_2_0, ZSTD"})
    void parquetJavaNestedRowsReadAsWritten(WriterVersion version, CompressionCodecName codec) throws IOException {
        SimpleGroupFactory groups = new SimpleGroupFactory(JAVA_SCHEMA);
        List<Group> written = new ArrayList<>();
        List<ObjectNode> expected = new ArrayList<>();
        for (int i = 0; i < 4000; i++) {
            Group g = groups.newGroup();
            ObjectNode e = NODES.objectNode();
            g.add("answer", (long) i * 1_000_003L);
            e.put("answer", (long) i * 1_000_003L);
            if (i % 5 == 0) {
                e.putNull("idx");
            } else {
                g.add("idx", i - 2000);
                e.put("idx", i - 2000);
            }
            if (i % 7 == 0) {
                e.putNull("flag");
            } else {
                g.add("flag", i % 3 == 0);
                e.put("flag", i % 3 == 0);
            }
            if (i % 6 == 0) {
                e.putNull("question");
            } else {
                String q = "question " + (i % 50) + " über";
                g.add("question", q);
                e.put("question", q);
            }
            if (i % 10 == 3) {
                e.putNull("choices");
            } else {
                Group c = g.addGroup("choices");
                ObjectNode ec = e.putObject("choices");
                Group text = c.addGroup("text");
                Group label = c.addGroup("label");
                ArrayNode et = ec.putArray("text");
                ArrayNode el = ec.putArray("label");
                for (int k = 0; k < i % 5; k++) {
                    Group item = text.addGroup("list");
                    if (k == 1 && i % 4 == 0) {
                        et.addNull();
                    } else {
                        item.add("element", "text " + k + " " + i);
                        et.add("text " + k + " " + i);
                    }
                    label.addGroup("list").add("element", String.valueOf(k + 1));
                    el.add(String.valueOf(k + 1));
                }
            }
            if (i % 8 == 1) {
                e.putNull("tags");
            } else {
                Group t = g.addGroup("tags");
                ArrayNode tags = e.putArray("tags");
                for (int k = 0; k < i % 3; k++) {
                    t.add("array", "tag" + (i % 4 + k));
                    tags.add("tag" + (i % 4 + k));
                }
            }
            written.add(g);
            expected.add(e);
        }
        Path f = ParquetJava.writeGroups(JAVA_SCHEMA, written, dir.resolve("java-" + version + "-" + codec
                + ".parquet"), new ParquetJava.Options(version, codec, 4 << 10, 1 << 10, 16 << 10));
        ParquetFile p = ParquetFile.open(f);
        assertTrue(p.rowGroupCount() > 1, "several row groups: " + p.rowGroupCount());
        assertEquals(expected.stream().map(JsonNode::toString).toList(),
                p.readRows().stream().map(JsonNode::toString).toList());
    }

    @Test
    void unsupportedTypesAreOneLineErrors() throws SQLException {
        Path f = duck.write("SELECT MAP {'a': 1} AS m, DATE '2024-01-02' AS d, 'x'::BLOB AS b, 1 AS n",
                dir.resolve("unsupported.parquet"), "");
        ParquetFile p = ParquetFile.open(f);
        assertEquals(1L, p.readRows(List.of("n")).get(0).get("n").longValue());
        for (String column : List.of("m", "d", "b")) {
            String m = assertThrows(UserException.class, () -> p.readRows(List.of(column))).getMessage();
            assertTrue(m.startsWith(f + ": column '" + column + "': unsupported: "), m);
            assertFalse(m.contains("\n"), m);
        }
        String m = assertThrows(UserException.class, () -> p.readRows(List.of("nope"))).getMessage();
        assertEquals(f + ": no column 'nope' (columns: m, d, b, n)", m);
    }

    private static List<String> iterable(java.util.Iterator<String> it) {
        List<String> out = new ArrayList<>();
        it.forEachRemaining(out::add);
        return out;
    }
}
