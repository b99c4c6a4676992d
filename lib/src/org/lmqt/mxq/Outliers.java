package org.lmqt.mxq;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeSet;
import org.lmqt.cli.UserException;
import org.lmqt.metadata.Moments;
import org.lmqt.quant.QuantConfig;

/**
 * Outlier layers per module (spec §4.7.1, the original's {@code identify_sensitive_modules}): layers after a jump of
 * the sensitivity (ratio) or kurtosis (difference) between consecutive layers whose trimmed z-score exceeds 3.
 */
public final class Outliers {

    /** Where the metric comes from and how consecutive layers are compared. */
    public enum Source {
        /** Sensi* variants: {@code sensitivity}, ratio of consecutive layers. */
        SENSITIVITY("sensitivity"),
        /** Kurt* variants: {@code kurtosis}, difference of consecutive layers. */
        KURTOSIS("kurtosis");

        private final String column;

        Source(String column) {
            this.column = column;
        }

        /** The FNorm table column. */
        public String column() {
            return column;
        }

        double jump(double from, double to) {
            return this == SENSITIVITY ? to / from : to - from;
        }
    }

    /** z-scores above this mark an outlier. */
    static final double Z_LIMIT = 3;
    /** Fraction trimmed at each end for the mean and standard deviation. */
    static final double TRIM = 0.05;

    private Outliers() {}

    /**
     * Outlier layers of every module (modules in order of first appearance, lists sorted by z-score descending),
     * keeping the {@code topM} strongest per module ({@code 0}: all).
     */
    public static Map<String, List<Integer>> find(FnormTable table, Source source, int topM) {
        double[][] metric = table.metric(source.column(), source == Source.SENSITIVITY ? "Sensi* variants"
                : "Kurt* variants");
        int col = table.configIndex(new QuantConfig(4, 64));
        if (col < 0) {
            throw new UserException(table.name() + " lacks config b4g64, whose rows outlier detection reads");
        }
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        for (String module : table.moduleOrder()) {
            // Stage 1: the module's matrices in file order and the jumps between consecutive ones.
            List<Integer> rows = layersInFileOrder(table, module);
            int n = rows.size() - 1;
            double[] jump = new double[Math.max(n, 0)];
            for (int t = 0; t < n; t++) {
                jump[t] = source.jump(metric[rows.get(t)][col], metric[rows.get(t + 1)][col]);
            }
            // Stage 2: trimmed mean and sample standard deviation, z-scores, outliers by z descending.
            double[] stats = trimmedMeanStd(jump);
            List<double[]> hits = new ArrayList<>(); // {z, position}
            for (int t = 0; t < n; t++) {
                double z = Math.abs(jump[t] - stats[0]) / stats[1];
                if (z > Z_LIMIT) {
                    hits.add(new double[] {z, t});
                }
            }
            hits.sort(Comparator.comparingDouble((double[] h) -> -h[0]));
            // Stage 3: the outlier is the layer after the jump.
            List<Integer> layers = new ArrayList<>();
            for (double[] h : hits.subList(0, topM == 0 ? hits.size() : Math.min(topM, hits.size()))) {
                layers.add(table.matrices().get(rows.get((int) h[1] + 1)).layer());
            }
            out.put(module, List.copyOf(layers));
        }
        return out;
    }

    /**
     * Boost ablation (§4.7.4): per module as many random layers as {@code ablated} has outliers there, drawn without
     * replacement from the module's layers that are outliers of neither source. Differs from the original on purpose
     * (spec §8 item 6): seeded, and the last layer can be drawn.
     */
    public static Map<String, List<Integer>> ablation(FnormTable table, Source ablated, int topM, long seed) {
        Map<String, List<Integer>> sensi = find(table, Source.SENSITIVITY, topM);
        Map<String, List<Integer>> kurt = find(table, Source.KURTOSIS, topM);
        Map<String, List<Integer>> own = ablated == Source.SENSITIVITY ? sensi : kurt;
        Random random = new Random(seed);
        Map<String, List<Integer>> out = new LinkedHashMap<>();
        for (String module : table.moduleOrder()) {
            TreeSet<Integer> candidates = new TreeSet<>();
            for (int i : layersInFileOrder(table, module)) {
                candidates.add(table.matrices().get(i).layer());
            }
            candidates.removeAll(sensi.get(module));
            candidates.removeAll(kurt.get(module));
            Integer[] pool = candidates.toArray(Integer[]::new);
            int t = Math.min(own.get(module).size(), pool.length);
            // Partial Fisher-Yates shuffle: the first t entries are a uniform sample without replacement.
            for (int j = 0; j < t; j++) {
                int r = j + random.nextInt(pool.length - j);
                Integer tmp = pool[j];
                pool[j] = pool[r];
                pool[r] = tmp;
            }
            Integer[] pick = Arrays.copyOf(pool, t);
            Arrays.sort(pick);
            out.put(module, List.of(pick));
        }
        return out;
    }

    /** Matrix indices of {@code module} in the order the file lists them. */
    private static List<Integer> layersInFileOrder(FnormTable table, String module) {
        List<Integer> rows = new ArrayList<>();
        for (int i = 0; i < table.size(); i++) {
            if (table.matrices().get(i).module().equals(module)) {
                rows.add(i);
            }
        }
        rows.sort(Comparator.comparingInt(i -> table.fileRank()[i]));
        return rows;
    }

    /**
     * Mean and sample standard deviation (ddof 1) after dropping {@code floor(0.05 n)} values at each end of the
     * sorted data, as scipy's {@code trimmed_mean}/{@code trimmed_std} with limits (0.05, 0.05); {mean, std}.
     */
    static double[] trimmedMeanStd(double[] values) {
        double[] s = values.clone();
        Arrays.sort(s);
        int k = (int) Math.floor(TRIM * s.length);
        return Moments.meanAndSampleSd(s, k, s.length - k);
    }
}
