package org.lmqt.io.parquet;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Rebuilds rows from the level/value streams of their leaf columns (the record assembly of the Dremel paper, which
 * parquet's nesting follows), then turns the physical tree into the logical one: a {@code LIST}-annotated group
 * becomes a JSON array of its elements, a plain group an object, a bare repeated field an array. The result is
 * shaped as the Hugging Face {@code datasets} library (through pyarrow) presents a row: {@code list<string>} as an
 * array of strings, {@code struct{text: list<string>, label: list<string>}} as an object of two arrays.
 *
 * <p>Levels: along a leaf's path from its top-level field, every optional or repeated field adds one to the
 * definition level when it is present, every repeated field one to the repetition level. An entry with definition
 * level {@code d} stops at the first field whose level exceeds {@code d} (a null for an optional field, an empty list
 * for a repeated one); its repetition level {@code r} says that the {@code r}-th repeated field on the path gets a
 * new element (0: a new row), deeper repeated fields start at their first element.
 */
final class RowAssembler {
    private static final JsonNodeFactory JSON = JsonNodeFactory.instance;
    /** Annotations under which a leaf's value is what this reader gives: text, or a number or boolean as stored. */
    private static final Set<String> STRING_ANNOTATIONS = Set.of("STRING", "UTF8", "ENUM", "JSON");
    private static final Set<String> NUMBER_ANNOTATIONS = Set.of("INTEGER", "INT_8", "INT_16", "INT_32", "INT_64");

    /**
     * A leaf column and the fields from its top-level field down to it.
     *
     * @param path  the fields, top-level first, the leaf last
     * @param names their names ({@code path_in_schema})
     */
    record Leaf(List<SchemaNode> path, List<String> names) {
        Leaf {
            path = List.copyOf(path);
            names = List.copyOf(names);
        }

        int maxDefinitionLevel() {
            return (int) path.stream().filter(n -> n.repetition() != Column.Repetition.REQUIRED).count();
        }

        int maxRepetitionLevel() {
            return (int) path.stream().filter(n -> n.repetition() == Column.Repetition.REPEATED).count();
        }

        SchemaNode leaf() {
            return path.get(path.size() - 1);
        }
    }

    private RowAssembler() {}

    /** The leaves under {@code field}, in schema order; a one-line error for a type this reader does not give. */
    static List<Leaf> leaves(SchemaNode field) {
        List<Leaf> out = new ArrayList<>();
        collect(field, new ArrayList<>(), out);
        return out;
    }

    private static void collect(SchemaNode node, List<SchemaNode> above, List<Leaf> out) {
        List<SchemaNode> path = new ArrayList<>(above);
        path.add(node);
        if (node.isMap()) {
            throw new ParquetFormatException("unsupported: " + node.describe() + " is a map");
        }
        if (!node.isLeaf()) {
            for (SchemaNode child : node.children()) {
                collect(child, path, out);
            }
            return;
        }
        checkLeafType(node);
        out.add(new Leaf(path, path.stream().map(SchemaNode::name).toList()));
    }

    private static void checkLeafType(SchemaNode node) {
        Column.PhysicalType t = node.type().orElseThrow();
        boolean ok = switch (t) {
            case BYTE_ARRAY -> node.annotation().filter(STRING_ANNOTATIONS::contains).isPresent();
            case INT32, INT64 -> node.annotation().isEmpty()
                    || node.annotation().filter(NUMBER_ANNOTATIONS::contains).isPresent();
            case BOOLEAN, FLOAT, DOUBLE -> node.annotation().isEmpty();
            case INT96, FIXED_LEN_BYTE_ARRAY -> false;
        };
        if (!ok) {
            throw new ParquetFormatException("unsupported: " + node.describe() + " (readable: strings, integers, "
                    + "booleans, floats and doubles, in structs and lists)");
        }
    }

    /** Adds the entries of {@code leaf} to {@code rows} (one object per row, shared by all leaves). */
    static void add(Leaf leaf, ChunkReader.Levels levels, List<ObjectNode> rows, int firstRow) {
        List<SchemaNode> path = leaf.path();
        int depth = path.size();
        int[] definitionAt = new int[depth];
        int[] repetitionAt = new int[depth];
        int d = 0;
        int r = 0;
        for (int i = 0; i < depth; i++) {
            d += path.get(i).repetition() != Column.Repetition.REQUIRED ? 1 : 0;
            r += path.get(i).repetition() == Column.Repetition.REPEATED ? 1 : 0;
            definitionAt[i] = d;
            repetitionAt[i] = r;
        }
        int maxDefinition = leaf.maxDefinitionLevel();
        // per repeated level (1-based), the element the current entry writes into
        int[] element = new int[leaf.maxRepetitionLevel() + 1];
        int row = firstRow - 1;
        int nextValue = 0;
        for (int e = 0; e < levels.definition().length; e++) {
            int rep = levels.repetition()[e];
            int def = levels.definition()[e];
            if (rep == 0) {
                row++;
                if (row >= rows.size()) {
                    throw new ParquetFormatException("corrupt column chunk: more rows than the row group holds");
                }
            }
            for (int level = 1; level < element.length; level++) {
                element[level] = level == rep ? element[level] + 1 : level > rep ? 0 : element[level];
            }
            Object value = def == maxDefinition ? levels.values().get(nextValue++) : null;
            place(path, definitionAt, repetitionAt, element, def, value, rows.get(row));
        }
        if (row != rows.size() - 1 && levels.definition().length > 0 || nextValue != levels.values().size()) {
            throw new ParquetFormatException("corrupt column chunk: " + (row - firstRow + 1) + " rows for "
                    + (rows.size() - firstRow));
        }
    }

    /** Walks one entry down its path from the row object, creating what is missing. */
    private static void place(List<SchemaNode> path, int[] definitionAt, int[] repetitionAt, int[] element, int def,
                              Object value, ObjectNode row) {
        ObjectNode parent = row;
        for (int i = 0; i < path.size(); i++) {
            SchemaNode node = path.get(i);
            boolean present = def >= definitionAt[i];
            if (node.repetition() == Column.Repetition.REPEATED) {
                JsonNode existing = parent.get(node.name());
                ArrayNode list = existing instanceof ArrayNode a ? a : parent.putArray(node.name());
                if (!present) {
                    return; // an empty list
                }
                int index = element[repetitionAt[i]];
                if (node.isLeaf()) {
                    list.add(leafValue(value));
                    return;
                }
                while (list.size() <= index) {
                    list.addObject();
                }
                parent = (ObjectNode) list.get(index);
            } else if (!present) {
                parent.putNull(node.name());
                return;
            } else if (node.isLeaf()) {
                parent.set(node.name(), leafValue(value));
                return;
            } else {
                JsonNode existing = parent.get(node.name());
                parent = existing instanceof ObjectNode o ? o : parent.putObject(node.name());
            }
        }
    }

    private static JsonNode leafValue(Object v) {
        return switch (v) {
            case String s -> JSON.textNode(s);
            case Integer i -> JSON.numberNode(i);
            case Long l -> JSON.numberNode(l);
            case Boolean b -> JSON.booleanNode(b);
            case Float f -> JSON.numberNode(f);
            case Double x -> JSON.numberNode(x);
            default -> throw new IllegalStateException("value " + v);
        };
    }

    /**
     * The logical value of {@code field} from its physical one: LIST groups as arrays of their elements (the
     * 3-level {@code group (LIST) { repeated group list { element } }} and the older 2-level forms, by the
     * backward-compatibility rules of parquet's LogicalTypes.md), structs as objects, bare repeated fields as arrays.
     */
    static JsonNode logical(SchemaNode field, JsonNode physical) {
        if (physical == null || physical.isNull()) {
            return JSON.nullNode();
        }
        if (field.repetition() == Column.Repetition.REPEATED) {
            ArrayNode out = JSON.arrayNode();
            physical.forEach(e -> out.add(single(field, e)));
            return out;
        }
        return single(field, physical);
    }

    /** One value of {@code field}, its repetition aside. */
    private static JsonNode single(SchemaNode field, JsonNode physical) {
        if (physical == null || physical.isNull() || field.isLeaf()) {
            return physical == null ? JSON.nullNode() : physical;
        }
        if (field.isList() && field.children().size() == 1
                && field.children().get(0).repetition() == Column.Repetition.REPEATED) {
            SchemaNode repeated = field.children().get(0);
            JsonNode items = physical.get(repeated.name());
            ArrayNode out = JSON.arrayNode();
            boolean threeLevel = !repeated.isLeaf() && repeated.children().size() == 1
                    && !repeated.name().equals("array") && !repeated.name().equals(field.name() + "_tuple");
            if (items != null) {
                for (JsonNode item : items) {
                    out.add(threeLevel ? logical(repeated.children().get(0), item.get(repeated.children().get(0)
                            .name())) : single(repeated, item));
                }
            }
            return out;
        }
        ObjectNode out = JSON.objectNode();
        for (SchemaNode child : field.children()) {
            out.set(child.name(), logical(child, physical.get(child.name())));
        }
        return out;
    }
}
