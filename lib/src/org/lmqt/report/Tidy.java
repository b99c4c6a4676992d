package org.lmqt.report;

import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Collects the rows of a tidy table (one observation per row) and turns them into a Tablesaw {@link Table}: a
 * column is numeric ({@link DoubleColumn}) when its values are numbers, text otherwise. Every figure writes the
 * tidy table it was drawn from beside its HTML.
 */
public final class Tidy {
    private final List<String> names;
    private final List<Object[]> rows = new ArrayList<>();

    /** A table with these column names. */
    public Tidy(String... names) {
        if (names.length == 0) {
            throw new IllegalArgumentException("a tidy table needs columns");
        }
        this.names = List.of(names);
    }

    /** Adds one row; values line up with the column names (numbers, strings, or null for missing). */
    public Tidy row(Object... values) {
        if (values.length != names.size()) {
            throw new IllegalArgumentException("row has " + values.length + " values for " + names.size() + " columns " + names);
        }
        rows.add(values.clone());
        return this;
    }

    /** Number of rows so far. */
    public int size() {
        return rows.size();
    }

    /** The Tablesaw table named {@code name}. */
    public Table table(String name) {
        Table t = Table.create(name);
        for (int c = 0; c < names.size(); c++) {
            t.addColumns(column(c));
        }
        return t;
    }

    private Column<?> column(int c) {
        boolean numeric = rows.stream().map(r -> r[c]).allMatch(v -> v == null || v instanceof Number);
        if (numeric) {
            DoubleColumn col = DoubleColumn.create(names.get(c));
            rows.forEach(r -> col.append(r[c] == null ? Double.NaN : ((Number) r[c]).doubleValue()));
            return col;
        }
        StringColumn col = StringColumn.create(names.get(c));
        rows.forEach(r -> col.append(r[c] == null ? "" : String.valueOf(r[c])));
        return col;
    }
}
