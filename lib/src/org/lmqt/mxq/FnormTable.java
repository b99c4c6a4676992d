package org.lmqt.mxq;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeSet;
import org.lmqt.cli.UserException;
import org.lmqt.quant.QuantConfig;
import tech.tablesaw.api.ColumnType;
import tech.tablesaw.api.Table;
import tech.tablesaw.columns.Column;
import tech.tablesaw.io.csv.CsvReadOptions;

/**
 * A validated FNorm table ({@code fnorm-<model>.csv}, spec §5.1): for every quantizable matrix the quantization error
 * of each candidate config, plus optional per-row metrics ({@code kurtosis}, {@code kurtosis_scaled},
 * {@code sensitivity}).
 *
 * <p>Matrices are kept in the original's pivot order (layer ascending, module name ascending), configs ascending by
 * (bits, group). Validation rejects, with one line naming the problem: a missing required column, a non-numeric or
 * empty value, a duplicate row, a matrix that lacks one of the configs the others have, inconsistent parameter counts
 * and a {@code memmb} that does not equal {@code bpp * params / 8 / 2^20}.
 *
 * @param name       where the table came from (file name or "table"), for messages
 * @param matrices   the N matrices in pivot order
 * @param configs    the K configs every matrix has, ascending
 * @param fnorm      quantization error per matrix and config; [N][K]
 * @param metrics    optional metric columns present in the table, each [N][K] (NaN where the cell is empty)
 * @param moduleOrder module names in order of first appearance in the file
 * @param fileRank   for each matrix (pivot order) the file row of its first occurrence; [N]
 */
public record FnormTable(String name, List<Matrix> matrices, List<QuantConfig> configs, double[][] fnorm,
        Map<String, double[][]> metrics, List<String> moduleOrder, int[] fileRank) {

    /** Columns every FNorm table must have. */
    public static final List<String> REQUIRED = List.of("layer", "module", "nbit1", "gsize1", "nbit2", "gsize2",
            "fnorm", "memmb", "params");
    /**
     * Optional per-row metrics the MXQ variants read, and the output error of the calibrated methods' tables
     * ({@code output_fnorm}, which {@code --objective output} allocates with).
     */
    public static final List<String> OPTIONAL_METRICS = List.of("kurtosis", "kurtosis_scaled", "sensitivity",
            "output_fnorm");

    public FnormTable {
        matrices = List.copyOf(matrices);
        configs = List.copyOf(configs);
        metrics = Map.copyOf(metrics);
        moduleOrder = List.copyOf(moduleOrder);
    }

    /** Reads and validates an FNorm CSV (one-line {@link UserException} if it is missing or malformed). */
    public static FnormTable read(Path csv) {
        if (!Files.isRegularFile(csv)) {
            throw new UserException("FNorm table not found: " + csv);
        }
        Table t;
        try {
            t = Table.read().usingOptions(CsvReadOptions.builder(csv.toFile())
                    .missingValueIndicator("", "NA", "NaN", "nan")
                    .columnTypesPartial(FnormTable::columnType)
                    .sample(false));
        } catch (RuntimeException e) {
            throw new UserException("cannot read FNorm table " + csv + ": " + org.lmqt.cli.Cli.oneLine(e), e);
        }
        return of(t.setName(csv.getFileName().toString()));
    }

    private static Optional<ColumnType> columnType(String column) {
        return switch (column) {
            case "module" -> Optional.of(ColumnType.STRING);
            case "layer", "nbit1", "gsize1", "nbit2", "gsize2" -> Optional.of(ColumnType.INTEGER);
            case "params" -> Optional.of(ColumnType.LONG);
            case "fnorm", "memmb", "kurtosis", "kurtosis_scaled", "sensitivity", "output_fnorm" ->
                    Optional.of(ColumnType.DOUBLE);
            default -> Optional.empty();
        };
    }

    /** Validates a Tablesaw table with the FNorm columns (as read from {@code fnorm-*.csv}). */
    public static FnormTable of(Table t) {
        String name = t.name() == null || t.name().isBlank() ? "FNorm table" : t.name();
        List<String> missing = REQUIRED.stream().filter(c -> !t.columnNames().contains(c)).toList();
        if (!missing.isEmpty()) {
            throw new UserException(name + " lacks column(s) " + String.join(", ", missing) + " (needs "
                    + String.join(",", REQUIRED) + ")");
        }
        if (t.rowCount() == 0) {
            throw new UserException(name + " has no rows");
        }
        List<String> present = OPTIONAL_METRICS.stream().filter(t.columnNames()::contains).toList();

        // Stage 1: group the rows by matrix, checking each cell, in file order.
        record Row(int file, QuantConfig config, double fnorm, double[] metrics) {}
        Map<String, Matrix> byKey = new LinkedHashMap<>();
        Map<String, Map<QuantConfig, Row>> rows = new HashMap<>();
        Map<String, Integer> firstRow = new HashMap<>();
        LinkedHashSet<String> modules = new LinkedHashSet<>();
        TreeSet<QuantConfig> allConfigs = new TreeSet<>();
        for (int r = 0; r < t.rowCount(); r++) {
            int layer = (int) integral(t, "layer", r, name);
            String module = t.column("module").getString(r).strip();
            long params = integral(t, "params", r, name);
            QuantConfig cfg;
            try {
                cfg = new QuantConfig((int) integral(t, "nbit1", r, name), (int) integral(t, "gsize1", r, name),
                        (int) integral(t, "nbit2", r, name), (int) integral(t, "gsize2", r, name));
            } catch (IllegalArgumentException e) {
                throw new UserException(name + " row " + (r + 1) + ": " + e.getMessage());
            }
            Matrix m;
            try {
                m = new Matrix(layer, module, params);
            } catch (IllegalArgumentException e) {
                throw new UserException(name + " row " + (r + 1) + ": " + e.getMessage());
            }
            String key = m.key();
            Matrix prev = byKey.putIfAbsent(key, m);
            if (prev != null && prev.params() != params) {
                throw new UserException(name + " row " + (r + 1) + ": matrix " + key + " has " + params
                        + " parameters here but " + prev.params() + " in an earlier row");
            }
            firstRow.putIfAbsent(key, r);
            modules.add(module);
            double fn = number(t, "fnorm", r, name);
            if (!Double.isFinite(fn) || fn < 0) {
                throw new UserException(name + " row " + (r + 1) + ": fnorm of " + key + " " + cfg
                        + " is " + (Double.isNaN(fn) ? "empty or NaN" : fn) + " (needs a finite value >= 0)");
            }
            double mem = number(t, "memmb", r, name);
            double expected = cfg.memoryMiB(params);
            if (!(Math.abs(mem - expected) <= 1e-9 * expected)) {
                throw new UserException(name + " row " + (r + 1) + ": memmb of " + key + " " + cfg + " is " + mem
                        + " but bpp * params / 8 / 2^20 = " + expected);
            }
            double[] metric = new double[present.size()];
            for (int c = 0; c < metric.length; c++) {
                metric[c] = number(t, present.get(c), r, name);
            }
            allConfigs.add(cfg);
            if (rows.computeIfAbsent(key, k -> new HashMap<>()).put(cfg, new Row(r, cfg, fn, metric)) != null) {
                throw new UserException(name + " row " + (r + 1) + ": duplicate row for matrix " + key + " config "
                        + cfg + " (nbit2 " + cfg.metaBits() + ", gsize2 " + cfg.metaGroup() + ")");
            }
        }

        // Stage 2: pivot into [N][K] arrays in the original's order; every matrix needs every config.
        List<Matrix> sorted = new ArrayList<>(byKey.values());
        sorted.sort(Comparator.comparingInt(Matrix::layer).thenComparing(Matrix::module));
        List<QuantConfig> configs = List.copyOf(allConfigs);
        int n = sorted.size();
        int k = configs.size();
        double[][] fnorm = new double[n][k];
        Map<String, double[][]> metrics = new LinkedHashMap<>();
        for (String c : present) {
            metrics.put(c, new double[n][k]);
        }
        int[] rank = new int[n];
        for (int i = 0; i < n; i++) {
            Matrix m = sorted.get(i);
            Map<QuantConfig, Row> byConfig = rows.get(m.key());
            rank[i] = firstRow.get(m.key());
            for (int j = 0; j < k; j++) {
                Row row = byConfig.get(configs.get(j));
                if (row == null) {
                    throw new UserException(name + ": matrix " + m.key() + " lacks config " + configs.get(j)
                            + " (nbit2 " + configs.get(j).metaBits() + ", gsize2 " + configs.get(j).metaGroup()
                            + ") that other matrices have");
                }
                fnorm[i][j] = row.fnorm();
                for (int c = 0; c < present.size(); c++) {
                    metrics.get(present.get(c))[i][j] = row.metrics()[c];
                }
            }
        }
        return new FnormTable(name, sorted, configs, fnorm, metrics, List.copyOf(modules), rank);
    }

    private static double number(Table t, String column, int row, String name) {
        Column<?> col = t.column(column);
        if (!(col instanceof tech.tablesaw.api.NumericColumn<?> num)) {
            throw new UserException(name + ": column " + column + " is not numeric (first value '"
                    + col.getString(0) + "')");
        }
        return num.isMissing(row) ? Double.NaN : num.getDouble(row);
    }

    private static long integral(Table t, String column, int row, String name) {
        double v = number(t, column, row, name);
        if (Double.isNaN(v) || v != Math.rint(v)) {
            throw new UserException(name + " row " + (row + 1) + ": " + column + " is "
                    + (Double.isNaN(v) ? "empty or NaN" : String.valueOf(v)) + " (needs an integer)");
        }
        return (long) v;
    }

    /** Number of matrices N. */
    public int size() {
        return matrices.size();
    }

    /** Total parameters of the quantizable matrices ({@code P} of the budget rule). */
    public long totalParams() {
        return matrices.stream().mapToLong(Matrix::params).sum();
    }

    /** Largest layer index. */
    public int lastLayer() {
        return matrices.stream().mapToInt(Matrix::layer).max().orElseThrow();
    }

    /**
     * A metric column ({@code kurtosis}, {@code kurtosis_scaled}, {@code sensitivity}); [N][K]. One-line error if the
     * table lacks it or has an empty cell, naming {@code neededBy}.
     */
    public double[][] metric(String column, String neededBy) {
        double[][] values = metrics.get(column);
        if (values == null) {
            throw new UserException(name + " lacks column " + column + " needed by " + neededBy);
        }
        for (int i = 0; i < values.length; i++) {
            for (int j = 0; j < values[i].length; j++) {
                if (!Double.isFinite(values[i][j])) {
                    throw new UserException(name + ": " + column + " of " + matrices.get(i).key() + " "
                            + configs.get(j) + " is empty or not finite (needed by " + neededBy + ")");
                }
            }
        }
        return values;
    }

    /** The same table with {@code values} ([N][K], finite, non-negative) as the error MXQ minimises. */
    public FnormTable withFnorm(double[][] values) {
        if (values.length != fnorm.length || values.length > 0 && values[0].length != fnorm[0].length) {
            throw new IllegalArgumentException("errors of another table's shape");
        }
        return new FnormTable(name, matrices, configs, values, metrics, moduleOrder, fileRank);
    }

    /** Index of {@code config} in {@link #configs()}, or -1. */
    public int configIndex(QuantConfig config) {
        return configs.indexOf(config);
    }

    /** Index of a matrix in pivot order, or -1. */
    public int indexOf(int layer, String module) {
        for (int i = 0; i < matrices.size(); i++) {
            if (matrices.get(i).layer() == layer && matrices.get(i).module().equals(module)) {
                return i;
            }
        }
        return -1;
    }
}
