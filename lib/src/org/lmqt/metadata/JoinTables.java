package org.lmqt.metadata;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.lmqt.cli.UserException;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/** Cell access with one-line errors, and the column layout the metadata joins share. */
final class JoinTables {

    /** A matrix or block part of one layer: the key both joins look values up by. */
    record LayerKey(int layer, String name) {
        LayerKey {
            if (layer < 0) {
                throw new IllegalArgumentException("layer must be >= 0, not " + layer);
            }
            name = name.strip();
        }

        @Override
        public String toString() {
            return "layer " + layer + " " + name;
        }
    }

    private JoinTables() {}

    /** One-line error unless {@code table} has every column of {@code columns}; {@code role} says what it is for. */
    static void require(Table table, List<String> columns, String role) {
        List<String> missing = columns.stream().filter(c -> !table.columnNames().contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new UserException(table.name() + " lacks column(s) " + String.join(", ", missing) + " (a " + role
                    + " needs " + String.join(",", columns) + ")");
        }
        if (table.rowCount() == 0) {
            throw new UserException(table.name() + " has no rows");
        }
    }

    /** The number in a cell; NaN when empty. One-line error for a text column. */
    static double number(Table table, String column, int row) {
        Column<?> col = table.column(column);
        if (!(col instanceof NumericColumn<?> num)) {
            throw new UserException(table.name() + ": column " + column + " is not numeric (row " + (row + 1)
                    + " holds '" + col.getString(row) + "')");
        }
        return num.isMissing(row) ? Double.NaN : num.getDouble(row);
    }

    /** A finite number; one-line error for an empty or infinite cell. */
    static double finite(Table table, String column, int row) {
        double v = number(table, column, row);
        if (!Double.isFinite(v)) {
            throw new UserException(table.name() + " row " + (row + 1) + ": " + column + " is "
                    + (Double.isNaN(v) ? "empty" : String.valueOf(v)) + " (needs a finite number)");
        }
        return v;
    }

    /** An integer cell; one-line error otherwise. */
    static int integer(Table table, String column, int row) {
        double v = number(table, column, row);
        if (Double.isNaN(v) || v != Math.rint(v) || Math.abs(v) > Integer.MAX_VALUE) {
            throw new UserException(table.name() + " row " + (row + 1) + ": " + column + " is "
                    + (Double.isNaN(v) ? "empty" : String.valueOf(v)) + " (needs an integer)");
        }
        return (int) v;
    }

    /** A text cell, stripped (numbers as written by Tablesaw). */
    static String text(Table table, String column, int row) {
        return table.column(column).getString(row).strip();
    }

    /** The (layer, module) of an FNorm row. */
    static LayerKey matrix(Table fnorm, int row) {
        return new LayerKey(integer(fnorm, "layer", row), text(fnorm, "module", row));
    }

    /** {@code base}'s columns without those named like {@code appended}, then {@code appended}; named as base. */
    static Table withColumnsLast(Table base, Column<?>... appended) {
        Set<String> replaced = Arrays.stream(appended).map(Column::name).collect(Collectors.toSet());
        List<Column<?>> columns = new ArrayList<>();
        for (Column<?> c : base.columns()) {
            if (!replaced.contains(c.name())) {
                columns.add(c.copy());
            }
        }
        columns.addAll(List.of(appended));
        return Table.create(base.name(), columns);
    }

    /** "N <what>, e.g. a, b, c" for an error line; at most three examples. */
    static String examples(List<?> items, String what) {
        return items.size() + " " + what + ", e.g. " + items.stream().limit(3).map(String::valueOf)
                .collect(Collectors.joining(", "));
    }
}
