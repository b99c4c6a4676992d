package org.lmqt.metadata;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.TreeSet;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.cli.UserException;
import org.lmqt.metadata.JoinTables.LayerKey;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.Table;

/**
 * Apportions a block-part sensitivity table (spec §5.4, e.g. {@code llama-sensitivity.csv}) to the matrices of an
 * FNorm table, as the original's {@code data-vis/apportion-sensi.R} wrote the {@code sensitivity} column of
 * {@code src/data/fnorm-<model>.csv} (spec §2.6): every matrix gets the value of its {@link BlockPart} in its layer,
 * measured for this model on one dataset and quantization config (pileval, 4 bits, group 64 by default). A model
 * measured without {@code attn_out} (GQA, e.g. Meta-Llama-3-8B) gives its o_proj the {@code attn_in} value of the
 * same layer.
 *
 * <p>Two modes, as the original's: the raw value ({@code -c}, the values the sensi-* variants read), or with an
 * outlier factor {@code f} (the original's default 2.0): {@code f} where {@code |s - mean| / sd > 3} and 1 elsewhere,
 * with the mean and the sample standard deviation over all rows of the table (every config row counts). The result
 * keeps the FNorm rows in order (the original moved o_proj rows last) and has the FNorm columns without an old
 * {@code sensitivity}, then {@code sensitivity}. A matrix without a value, duplicate measurements, or no measurement
 * of the model at all give one-line errors (the original's left join left NA).
 */
public final class SensitivityJoin {

    /** Columns the sensitivity source must have. */
    public static final List<String> SOURCE_COLUMNS = List.of("dataset", "part", "model", "nbits", "group_size",
            "layer", "sensitivity");
    /** A matrix is an outlier when its sensitivity is more than this many standard deviations from the mean. */
    public static final double OUTLIER_Z = 3;

    /**
     * Which measurements to apportion and how.
     *
     * @param dataset       calibration dataset of the measurement ({@code pileval}, {@code wikitext}, {@code c4} ...)
     * @param nbits         quantization bits of the measurement
     * @param groupSize     quantization group size of the measurement
     * @param outlierFactor empty for the raw value; else the value of outliers (all other rows get 1)
     */
    public record Options(String dataset, int nbits, int groupSize, OptionalDouble outlierFactor) {
        /** The original's choice: pileval, 4 bits, group 64, raw values. */
        public static final Options DEFAULTS = new Options("pileval", 4, 64, OptionalDouble.empty());
        /** The original's factor when it marks outliers. */
        public static final double DEFAULT_FACTOR = 2.0;

        public Options {
            Objects.requireNonNull(outlierFactor, "outlierFactor (OptionalDouble.empty() for raw values)");
            if (dataset == null || dataset.isBlank()) {
                throw new IllegalArgumentException("dataset must not be empty");
            }
            if (nbits < 1 || nbits > 16) {
                throw new IllegalArgumentException("nbits must be 1..16, not " + nbits);
            }
            if (groupSize < 1) {
                throw new IllegalArgumentException("group size must be positive, not " + groupSize);
            }
            if (outlierFactor.isPresent() && !(outlierFactor.getAsDouble() > 0 && Double.isFinite(
                    outlierFactor.getAsDouble()))) {
                throw new IllegalArgumentException("outlier factor must be a positive number, not "
                        + outlierFactor.getAsDouble());
            }
        }

        /** These options for another measurement. */
        public Options withMeasurement(String dataset, int nbits, int groupSize) {
            return new Options(dataset, nbits, groupSize, outlierFactor);
        }

        /** These options marking outliers with {@code factor}. */
        public Options withOutlierFactor(double factor) {
            return new Options(dataset, nbits, groupSize, OptionalDouble.of(factor));
        }

        private String describe(String model) {
            return "model " + model + ", dataset " + dataset + ", nbits " + nbits + ", group_size " + groupSize;
        }
    }

    private SensitivityJoin() {}

    /** {@code fnorm} (the FNorm table of {@code model}) with the {@code sensitivity} column from {@code source}. */
    public static Table join(Table fnorm, String model, Table source, Options options) {
        JoinTables.require(fnorm, List.of("layer", "module"), "FNorm table");
        Map<LayerKey, Double> measured = measurements(source, model, options);
        double[] values = new double[fnorm.rowCount()];
        List<String> missing = new ArrayList<>();
        for (int r = 0; r < values.length; r++) {
            LayerKey matrix = JoinTables.matrix(fnorm, r);
            BlockPart part = BlockPart.ofModule(matrix.name());
            Double v = measured.get(new LayerKey(matrix.layer(), part.label()));
            if (v == null && part == BlockPart.ATTN_OUT) {
                v = measured.get(new LayerKey(matrix.layer(), BlockPart.ATTN_IN.label()));
            }
            if (v == null) {
                String what = "layer " + matrix.layer() + " " + part.label();
                if (!missing.contains(what)) {
                    missing.add(what);
                }
                continue;
            }
            values[r] = v;
        }
        if (!missing.isEmpty()) {
            throw new UserException(source.name() + " lacks " + JoinTables.examples(missing, "block part(s)")
                    + " (" + options.describe(model) + "; needed by " + fnorm.name() + ")");
        }
        double[] column = options.outlierFactor().isPresent()
                ? outlierFactors(values, options.outlierFactor().getAsDouble()) : values;
        return JoinTables.withColumnsLast(fnorm, DoubleColumn.create("sensitivity", column));
    }

    /** The measurements of one model and config, by (layer, part label). */
    static Map<LayerKey, Double> measurements(Table source, String model, Options options) {
        JoinTables.require(source, SOURCE_COLUMNS, "sensitivity table");
        Map<LayerKey, Double> out = new HashMap<>();
        TreeSet<String> models = new TreeSet<>();
        for (int r = 0; r < source.rowCount(); r++) {
            String rowModel = JoinTables.text(source, "model", r);
            boolean selected = JoinTables.text(source, "dataset", r).equals(options.dataset())
                    && JoinTables.integer(source, "nbits", r) == options.nbits()
                    && JoinTables.integer(source, "group_size", r) == options.groupSize();
            if (selected) {
                models.add(rowModel);
            }
            if (!selected || !rowModel.equals(model)) {
                continue;
            }
            BlockPart part = BlockPart.ofLabel(JoinTables.text(source, "part", r));
            LayerKey key = new LayerKey(JoinTables.integer(source, "layer", r), part.label());
            if (out.put(key, JoinTables.finite(source, "sensitivity", r)) != null) {
                throw new UserException(source.name() + " row " + (r + 1) + ": a second sensitivity for " + key
                        + " (" + options.describe(model) + ")");
            }
        }
        if (out.isEmpty()) {
            throw new UserException(source.name() + " has no rows for " + options.describe(model)
                    + (models.isEmpty() ? " (no model has that measurement)"
                            : " (models with that measurement: " + String.join(", ", models) + ")"));
        }
        return out;
    }

    /** {@code factor} where {@code |v - mean| / sd > 3} (sample sd over all values), 1 elsewhere. */
    static double[] outlierFactors(double[] values, double factor) {
        double[] z = zScores(values);
        double[] out = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            out[i] = z[i] > OUTLIER_Z ? factor : 1;
        }
        return out;
    }

    /** {@code |v - mean| / sd} with the sample standard deviation; NaN everywhere when it is 0 or undefined. */
    public static double[] zScores(double[] values) {
        double[] meanSd = Moments.meanAndSampleSd(values);
        double[] z = new double[values.length];
        for (int i = 0; i < values.length; i++) {
            z[i] = Math.abs(values[i] - meanSd[0]) / meanSd[1];
        }
        return z;
    }
}
