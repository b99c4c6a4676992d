package org.lmqt.proxy;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.cli.UserException;
import org.lmqt.io.PandasCsv;
import org.lmqt.metadata.Fnorm;
import org.lmqt.metadata.Moments;
import org.lmqt.metadata.SensitivityJoin;
import org.lmqt.model.WeightSource;
import org.lmqt.mxq.FnormTable;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.WeightQuantizer;
import tech.tablesaw.api.IntColumn;
import tech.tablesaw.api.NumericColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The proxies of every matrix of a run, from the metadata tables where they are given and computed from the
 * checkpoint where not: FNorm at the run's config ({@code fnorm-<model>.csv}, else {@link Fnorm#of}, the table's
 * definition: HQQ with {@code optimize=True}, whatever method the run quantizes with), kurtosis
 * ({@code kurtosis-<model>.csv} or {@code wdist-<model>.csv}, else {@link Moments#pearsonKurtosis}) and block-part
 * sensitivity (a {@code dump-sensi} table, apportioned to matrices as {@link SensitivityJoin} does; none when not
 * given). A unit of several matrices sums their FNorms, averages their kurtosis and takes its part's sensitivity.
 */
public final class Proxies {
    private final Map<MatrixKey, double[]> byMatrix;   // {fnorm, kurtosis, sensitivity}

    private Proxies(Map<MatrixKey, double[]> byMatrix) {
        this.byMatrix = byMatrix;
    }

    /** Where the proxies come from; empty tables are computed (FNorm, kurtosis) or left out (sensitivity). */
    public record Sources(Optional<Path> fnorm, Optional<Path> kurtosis, Optional<Path> sensitivity,
                          SensitivityJoin.Options sensitivityOptions) {}

    /**
     * The proxies of the matrices of {@code units} of the model {@code shortId} in {@code weights};
     * {@code onMatrix} sees each finished matrix.
     */
    public static Proxies of(List<Unit> units, WeightSource weights, String shortId, QuantConfig config,
                             WeightQuantizer fnormKernel, Sources sources, Runnable onMatrix) {
        List<MatrixKey> keys = units.stream().flatMap(u -> u.matrices().stream()).distinct().toList();
        Optional<FnormTable> fnormTable = sources.fnorm().map(FnormTable::read);
        int configIndex = fnormTable.map(t -> t.configIndex(config)).orElse(-1);
        if (fnormTable.isPresent() && configIndex < 0) {
            throw new UserException(fnormTable.get().name() + " has no " + config.name() + " rows (configs: "
                    + String.join(", ", fnormTable.get().configs().stream().map(QuantConfig::name).toList()) + ")");
        }
        Optional<Map<MatrixKey, Double>> kurtosisTable = sources.kurtosis().map(Proxies::kurtosisTable);
        Map<MatrixKey, Double> sensitivity = sources.sensitivity()
                .map(p -> sensitivityTable(p, keys, shortId, sources.sensitivityOptions())).orElse(Map.of());
        Map<MatrixKey, double[]> out = new HashMap<>();
        for (MatrixKey key : keys) {
            Tensor w = null;
            double fnorm;
            if (fnormTable.isPresent()) {
                int i = fnormTable.get().indexOf(key.layer(), key.module());
                if (i < 0) {
                    throw new UserException(fnormTable.get().name() + " has no row for " + key.id()
                            + " (a table of another model?)");
                }
                fnorm = fnormTable.get().fnorm()[i][configIndex];
            } else {
                w = weights.tensor(key.weightName(weights.family()));             // [out, in]
                fnorm = Fnorm.of(fnormKernel, w, config);
            }
            double kurtosis;
            if (kurtosisTable.isPresent()) {
                Double k = kurtosisTable.get().get(key);
                if (k == null) {
                    throw new UserException(sources.kurtosis().get() + " has no kurtosis for " + key.id()
                            + " (a table of another model?)");
                }
                kurtosis = k;
            } else {
                w = w != null ? w : weights.tensor(key.weightName(weights.family()));
                kurtosis = Moments.pearsonKurtosis(w.data());
            }
            out.put(key, new double[] {fnorm, kurtosis, sensitivity.getOrDefault(key, Double.NaN)});
            onMatrix.run();
        }
        return new Proxies(out);
    }

    /** The number of matrices of {@code units}. */
    public static int matrices(List<Unit> units) {
        return (int) units.stream().flatMap(u -> u.matrices().stream()).distinct().count();
    }

    /** The proxies of {@code unit}. */
    public ProxyValues of(Unit unit) {
        double fnorm = 0;
        double kurtosis = 0;
        for (MatrixKey key : unit.matrices()) {
            double[] v = byMatrix.get(key);
            if (v == null) {
                throw new IllegalArgumentException("no proxies for " + key.id());
            }
            fnorm += v[0];
            kurtosis += v[1];
        }
        return new ProxyValues(fnorm, kurtosis / unit.matrices().size(), byMatrix.get(unit.matrices().get(0))[2]);
    }

    /** {@code (layer, module) -> kurtosis} of a kurtosis or wdist table. */
    private static Map<MatrixKey, Double> kurtosisTable(Path csv) {
        Table t = PandasCsv.read(csv);
        for (String c : List.of("module", "layer", "kurtosis")) {
            if (!t.columnNames().contains(c)) {
                throw new UserException(csv + " lacks column " + c + " (a kurtosis table has module, layer, kurtosis)");
            }
        }
        Map<MatrixKey, Double> out = new HashMap<>();
        for (int r = 0; r < t.rowCount(); r++) {
            try {
                MatrixKey key = new MatrixKey((int) Math.round(((NumericColumn<?>) t.column("layer")).getDouble(r)),
                        t.column("module").getString(r).strip());
                out.put(key, ((NumericColumn<?>) t.column("kurtosis")).getDouble(r));
            } catch (RuntimeException e) {
                throw new UserException(csv + " row " + (r + 1) + ": " + e.getMessage());
            }
        }
        return out;
    }

    /** Every matrix's block-part sensitivity, through {@link SensitivityJoin} on a table of the matrices. */
    private static Map<MatrixKey, Double> sensitivityTable(Path csv, List<MatrixKey> keys, String shortId,
                                                           SensitivityJoin.Options options) {
        Table matrices = Table.create("the run's matrices",
                IntColumn.create("layer", keys.stream().mapToInt(MatrixKey::layer).toArray()),
                StringColumn.create("module", keys.stream().map(MatrixKey::module).toList()));
        Table joined = SensitivityJoin.join(matrices, shortId, PandasCsv.read(csv).setName(csv.toString()), options);
        Map<MatrixKey, Double> out = new HashMap<>();
        for (int r = 0; r < keys.size(); r++) {
            out.put(keys.get(r), joined.doubleColumn("sensitivity").getDouble(r));
        }
        return out;
    }
}
