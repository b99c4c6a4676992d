package org.lmqt.metadata;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.lmqt.cli.UserException;
import org.lmqt.metadata.JoinTables.LayerKey;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * Joins the kurtosis of every matrix into an FNorm table, with its per-module min-max scaling, as the original's
 * {@code prep/fnorm.py join_kurtosis} built {@code data-vis/data/fnorm/fnorm-<model>.csv} (spec §2.6): for every
 * module, {@code kurtosis_scaled = (kurtosis - min) / (max - min)} with min and max over all rows of that module in
 * the kurtosis source (all its layers); then each FNorm row gets the values of its (module, layer).
 *
 * <p>The source is a {@code wdist-<model>.csv} or {@code kurtosis-<model>.csv} table (both have {@code module},
 * {@code layer} and {@code kurtosis}; the wdist norm rows only take part in their own modules' scaling). The result
 * keeps the FNorm rows in order and has the FNorm columns without any old {@code kurtosis}/{@code kurtosis_scaled},
 * then {@code kurtosis} and {@code kurtosis_scaled}. Read both tables with {@link org.lmqt.io.PandasCsv#read} and
 * write with {@link org.lmqt.io.PandasCsv#write} to get the original's bytes. A module whose kurtosis is the same
 * in every layer gets NaN ({@code 0/0}, an empty cell), as in pandas.
 *
 * <p>Where the original's inner join silently dropped FNorm rows without kurtosis, this join refuses them with one
 * line; a duplicate (module, layer) in the source, which would have duplicated FNorm rows, is refused too, and so is
 * a matrix whose {@code param_count} in the source is not its {@code params} in the FNorm table (another model's
 * table).
 */
public final class KurtosisJoin {

    /** Columns the kurtosis source must have. */
    public static final List<String> SOURCE_COLUMNS = List.of("module", "layer", "kurtosis");

    private KurtosisJoin() {}

    /** A matrix's kurtosis, its module's min-max scaled kurtosis, and its parameter count (-1 when unknown). */
    record Kurtosis(double value, double scaled, long params) {}

    /** {@code fnorm} with {@code kurtosis} and {@code kurtosis_scaled} of its matrices from {@code source}. */
    public static Table join(Table fnorm, Table source) {
        JoinTables.require(fnorm, List.of("layer", "module"), "FNorm table");
        JoinTables.require(source, SOURCE_COLUMNS, "kurtosis table");
        Map<LayerKey, Kurtosis> byMatrix = scaledByModule(source);
        DoubleColumn kurtosis = DoubleColumn.create("kurtosis");
        DoubleColumn scaled = DoubleColumn.create("kurtosis_scaled");
        List<LayerKey> missing = new ArrayList<>();
        for (int r = 0; r < fnorm.rowCount(); r++) {
            LayerKey matrix = JoinTables.matrix(fnorm, r);
            Kurtosis k = byMatrix.get(matrix);
            if (k == null) {
                if (!missing.contains(matrix)) {
                    missing.add(matrix);
                }
                continue;
            }
            checkSameMatrix(fnorm, r, source, matrix, k);
            kurtosis.append(k.value());
            scaled.append(k.scaled());
        }
        if (!missing.isEmpty()) {
            throw new UserException(source.name() + " has no kurtosis for "
                    + JoinTables.examples(missing, "matrices of " + fnorm.name()));
        }
        return JoinTables.withColumnsLast(fnorm, kurtosis, scaled);
    }

    /** One-line error when the source counts other parameters for the matrix than the FNorm table: another model. */
    private static void checkSameMatrix(Table fnorm, int row, Table source, LayerKey matrix, Kurtosis k) {
        if (k.params() >= 0 && fnorm.columnNames().contains("params")) {
            long fnormParams = (long) JoinTables.number(fnorm, "params", row);
            if (fnormParams != k.params()) {
                throw new UserException(source.name() + " counts " + k.params() + " parameters for " + matrix
                        + " but " + fnorm.name() + " " + fnormParams + ": is it the same model?");
            }
        }
    }

    /** Every (layer, module) of the source with its kurtosis and the scaled value. */
    static Map<LayerKey, Kurtosis> scaledByModule(Table source) {
        Map<LayerKey, Double> values = new HashMap<>();
        Map<LayerKey, Long> params = new HashMap<>();
        boolean counted = source.columnNames().contains("param_count");
        Map<String, double[]> range = new HashMap<>();    // module -> {min, max}
        for (int r = 0; r < source.rowCount(); r++) {
            LayerKey key = new LayerKey(JoinTables.integer(source, "layer", r), JoinTables.text(source, "module", r));
            double k = JoinTables.finite(source, "kurtosis", r);
            if (values.put(key, k) != null) {
                throw new UserException(source.name() + " row " + (r + 1) + ": a second kurtosis for " + key);
            }
            params.put(key, counted ? (long) JoinTables.integer(source, "param_count", r) : -1L);
            range.merge(key.name(), new double[] {k, k},
                    (a, b) -> new double[] {Math.min(a[0], b[0]), Math.max(a[1], b[1])});
        }
        Map<LayerKey, Kurtosis> out = new HashMap<>();
        values.forEach((key, k) -> {
            double[] minMax = range.get(key.name());
            out.put(key, new Kurtosis(k, (k - minMax[0]) / (minMax[1] - minMax[0]), params.get(key)));
        });
        return out;
    }
}
