package org.lmqt.report;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.lmqt.cli.UserException;
import org.lmqt.io.AtomicFiles;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * Reads and writes the CSVs of the reporting step the way the original's R scripts do ({@code readr}): every
 * column read as text (no type guessing, so {@code 4_25} and {@code b4g64} stay as they are), numbers written
 * with the shortest digits, integral values without a decimal point ({@code 16}, {@code 7000000000}), missing
 * values as empty fields.
 */
public final class TidyCsv {
    private TidyCsv() {}

    /** Reads {@code file} with every column as a string column; missing values are empty strings. */
    public static Table read(Path file) {
        if (!Files.isRegularFile(file)) {
            throw new UserException("no such CSV file: " + file);
        }
        try {
            return Table.read().csv(CsvReadOptions.builder(file.toFile())
                    .columnTypes(name -> ColumnType.STRING)
                    .missingValueIndicator("", "NA")
                    .maxCharsPerColumn(1 << 20)
                    .tableName(file.getFileName().toString())
                    .build());
        } catch (RuntimeException e) {
            throw new UserException("cannot read " + file + ": " + e.getMessage(), e);
        }
    }

    /** Writes {@code table} to {@code file} atomically. */
    public static void write(Table table, Path file) {
        AtomicFiles.writeText(file, w -> {
            List<Column<?>> cols = table.columns();
            w.write(String.join(",", cols.stream().map(c -> field(c.name())).toList()));
            w.write('\n');
            for (int r = 0; r < table.rowCount(); r++) {
                for (int c = 0; c < cols.size(); c++) {
                    if (c > 0) {
                        w.write(',');
                    }
                    w.write(cell(cols.get(c), r));
                }
                w.write('\n');
            }
        });
    }

    /** A number as readr writes it: shortest digits, no exponent for ordinary magnitudes, empty for NaN. */
    public static String number(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "Inf" : "-Inf";
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return Long.toString((long) v);
        }
        String plain = new BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
        return plain.length() <= 22 ? plain : Double.toString(v).replace("E", "e");
    }

    /** R's {@code round(v, digits)} on the exact binary value, half to even; NaN stays NaN. */
    public static double round(double v, int digits) {
        if (!Double.isFinite(v)) {
            return v;
        }
        return new BigDecimal(v).setScale(digits, RoundingMode.HALF_EVEN).doubleValue();
    }

    /** Parses a number field; empty, {@code NA} and unparsable fields become NaN. */
    public static double parse(String s) {
        if (s == null || s.isBlank() || s.equals("NA")) {
            return Double.NaN;
        }
        try {
            return Double.parseDouble(s.trim());
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private static String cell(Column<?> col, int row) {
        if (col.isMissing(row)) {
            return "";
        }
        Object v = col.get(row);
        return v instanceof Number n ? number(n.doubleValue()) : field(String.valueOf(v));
    }

    private static String field(String s) {
        if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
            return '"' + s.replace("\"", "\"\"") + '"';
        }
        return s;
    }

    static void requireColumns(Table t, Path file, String... names) {
        for (String n : names) {
            if (!t.columnNames().contains(n)) {
                throw new UserException(file + " has no column '" + n + "' (columns: " + t.columnNames() + ")");
            }
        }
    }

}
