package org.lmqt.io;

import java.nio.file.Path;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.NumberColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;

/**
 * Writes a Tablesaw table as pandas' {@code to_csv(index=False)} would: floats as Python {@code repr}, integers
 * plain, booleans {@code True}/{@code False}, missing values empty, fields quoted only when needed. Atomic.
 */
public final class PandasCsv {

    private PandasCsv() {}

    /** Writes {@code table} to {@code path} (temporary file + rename). */
    public static void write(Table table, Path path) {
        AtomicFiles.writeText(path, out -> {
            StringBuilder line = new StringBuilder();
            for (int c = 0; c < table.columnCount(); c++) {
                line.append(c == 0 ? "" : ",").append(quote(table.column(c).name()));
            }
            out.write(line.append('\n').toString());
            for (int r = 0; r < table.rowCount(); r++) {
                line.setLength(0);
                for (int c = 0; c < table.columnCount(); c++) {
                    line.append(c == 0 ? "" : ",").append(cell(table.column(c), r));
                }
                out.write(line.append('\n').toString());
            }
        });
    }

    private static String cell(Column<?> col, int row) {
        if (col.isMissing(row)) {
            return "";
        }
        if (col instanceof BooleanColumn b) {
            return b.get(row) ? "True" : "False";
        }
        if (col instanceof NumberColumn<?, ?> n && col.type().equals(tech.tablesaw.api.ColumnType.DOUBLE)) {
            return PyFloat.repr(n.getDouble(row));
        }
        if (col instanceof NumberColumn<?, ?>) {
            return String.valueOf(col.get(row));
        }
        return quote(col.getString(row));
    }

    /** A field as pandas writes it: quoted (inner quotes doubled) only when it holds a comma, quote or line break. */
    public static String quote(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")) {
            return "\"" + s.replace("\"", "\"\"") + "\"";
        }
        return s;
    }
}
