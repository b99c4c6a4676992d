package org.lmqt.io.parquet;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A node of a parquet schema tree: a primitive leaf (a column chunk per row group) or a group of child fields.
 * Parquet flattens the tree depth-first into the footer's schema list, each group giving its number of children.
 *
 * @param name       the field's name
 * @param type       its physical type; empty for a group
 * @param repetition required, optional or repeated
 * @param annotation its logical type (STRING, LIST, INTEGER...) or converted type (UTF8, LIST...), when it has one
 * @param children   a group's fields, in order; none for a leaf
 */
record SchemaNode(String name, Optional<Column.PhysicalType> type, Column.Repetition repetition,
                  Optional<String> annotation, List<SchemaNode> children) {
    SchemaNode {
        children = List.copyOf(children);
        if (type.isPresent() != children.isEmpty()) {
            throw new ParquetFormatException("field " + name + ": a group needs children, a leaf has none");
        }
    }

    boolean isLeaf() {
        return type.isPresent();
    }

    boolean isList() {
        return annotation.filter("LIST"::equals).isPresent();
    }

    boolean isMap() {
        return annotation.filter(a -> a.equals("MAP") || a.equals("MAP_KEY_VALUE")).isPresent();
    }

    /** The field as a top-level {@link Column}. */
    Column column() {
        return new Column(name, type, repetition, annotation);
    }

    /** How the field reads in an error message: {@code text (optional BYTE_ARRAY STRING)}. */
    String describe() {
        return name + " (" + repetition.name().toLowerCase(Locale.ROOT) + " "
                + type.map(Enum::name).orElse("group") + annotation.map(a -> " " + a).orElse("") + ")";
    }
}
