package org.lmqt.io;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import tech.tablesaw.api.BooleanColumn;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.LongColumn;
import tech.tablesaw.api.NumberColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * Reads and writes CSVs as pandas does with its defaults. {@link #read}: {@code read_csv} with the C parser (column
 * types inferred, floats through {@link PandasFloatParser}); {@link #write}: {@code to_csv(index=False)}, floats as
 * Python {@code repr}, integers plain, booleans {@code True}/{@code False}, missing values empty, fields quoted only
 * when needed, atomically. A table read and written again comes out as pandas would write it.
 */
public final class PandasCsv {

    /** pandas' default missing-value markers ({@code keep_default_na}): read as NaN, written empty. */
    public static final Set<String> NA_VALUES = Set.of("", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN",
            "-nan", "1.#IND", "1.#QNAN", "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null");

    private static final Pattern INTEGER = Pattern.compile("[+-]?[0-9]+");

    /** pandas' {@code float_precision} of {@code read_csv}: how float texts become doubles. */
    public enum FloatPrecision {
        /** The default ({@code None}, "high"): {@link PandasFloatParser#parse}, not correctly rounded. */
        HIGH,
        /** {@code "round_trip"}: {@link PandasFloatParser#parseRoundTrip}, correctly rounded. */
        ROUND_TRIP;

        double parse(String text) {
            return this == HIGH ? PandasFloatParser.parse(text) : PandasFloatParser.parseRoundTrip(text);
        }
    }

    private PandasCsv() {}

    /** {@link #read(Path, FloatPrecision)} with pandas' default float parser. */
    public static Table read(Path csv) {
        return read(csv, FloatPrecision.HIGH);
    }

    /**
     * Reads {@code csv} with pandas' type inference: a column of integers without missing values becomes a
     * {@link LongColumn} (pandas' int64), a column of numbers and missing values a {@link DoubleColumn} parsed as
     * {@code precision} says, anything else a {@link StringColumn} (missing markers as missing values). The table is
     * named after the file. One-line {@link UserException} when the file is missing or unreadable.
     */
    public static Table read(Path csv, FloatPrecision precision) {
        if (!Files.isRegularFile(csv)) {
            throw new UserException("file not found: " + csv);
        }
        Table text;
        try {
            text = Table.read().usingOptions(CsvReadOptions.builder(csv.toFile())
                    .columnTypesPartial(column -> Optional.of(ColumnType.STRING))
                    .missingValueIndicator("")
                    .sample(false));
        } catch (RuntimeException e) {
            throw new UserException("cannot read " + csv + ": " + Cli.oneLine(e), e);
        }
        Table typed = Table.create(csv.getFileName().toString());
        for (int c = 0; c < text.columnCount(); c++) {
            typed.addColumns(inferType(text.stringColumn(c), precision));
        }
        return typed;
    }

    /** The column as pandas would type it: int64, float64 or object. */
    static Column<?> inferType(StringColumn text, FloatPrecision precision) {
        if (text.isEmpty()) {
            return text.copy();
        }
        return asIntegers(text).or(() -> asFloats(text, precision)).orElseGet(() -> asStrings(text));
    }

    private static Optional<Column<?>> asIntegers(StringColumn text) {
        LongColumn out = LongColumn.create(text.name());
        for (int r = 0; r < text.size(); r++) {
            String s = text.getString(r).strip();
            if (!INTEGER.matcher(s).matches() || !fitsLong(s)) {
                return Optional.empty();
            }
            out.append(Long.parseLong(s));
        }
        return Optional.of(out);
    }

    private static Optional<Column<?>> asFloats(StringColumn text, FloatPrecision precision) {
        DoubleColumn out = DoubleColumn.create(text.name());
        for (int r = 0; r < text.size(); r++) {
            String s = text.getString(r);
            if (NA_VALUES.contains(s)) {
                out.appendMissing();
                continue;
            }
            try {
                out.append(precision.parse(s));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
        return Optional.of(out);
    }

    private static Column<?> asStrings(StringColumn text) {
        StringColumn out = StringColumn.create(text.name());
        for (int r = 0; r < text.size(); r++) {
            String s = text.getString(r);
            if (NA_VALUES.contains(s)) {
                out.appendMissing();
            } else {
                out.append(s);
            }
        }
        return out;
    }

    private static boolean fitsLong(String s) {
        try {
            Long.parseLong(s);
            return true;
        } catch (NumberFormatException e) {
            return false;
        }
    }

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
