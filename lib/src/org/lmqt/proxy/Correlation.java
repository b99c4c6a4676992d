package org.lmqt.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.apache.commons.math3.linear.BlockRealMatrix;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.apache.commons.math3.stat.descriptive.rank.Percentile;

/**
 * Pearson's and Spearman's correlation of a proxy with a damage measure over the units, with two-sided p-values
 * (Student's t with {@code n - 2} degrees of freedom; for Spearman on the ranks, as scipy's {@code spearmanr} does)
 * and percentile bootstrap intervals (95 %, units resampled with replacement, seeded). Units where either value is
 * missing (NaN) are left out; with fewer than 3 units, or a constant column, the values are NaN.
 *
 * @param damage       the damage column ({@code delta_ppl}, {@code kld_mean})
 * @param proxy        the proxy column ({@code fnorm}, ...)
 * @param n            units used
 * @param pearson      Pearson's r
 * @param pearsonP     its p-value
 * @param pearsonLow   bootstrap 2.5 % quantile
 * @param pearsonHigh  bootstrap 97.5 % quantile
 * @param spearman     Spearman's rho
 * @param spearmanP    its p-value
 * @param spearmanLow  bootstrap 2.5 % quantile
 * @param spearmanHigh bootstrap 97.5 % quantile
 */
public record Correlation(String damage, String proxy, int n, double pearson, double pearsonP, double pearsonLow,
                          double pearsonHigh, double spearman, double spearmanP, double spearmanLow,
                          double spearmanHigh) {

    /** The CSV header of {@link #csvRow}. */
    public static final String HEADER = "damage,proxy,n,pearson,pearson_p,pearson_ci_low,pearson_ci_high,spearman,"
            + "spearman_p,spearman_ci_low,spearman_ci_high";

    /**
     * How the bootstrap intervals are drawn.
     *
     * @param resamples resamples (0: no intervals)
     * @param seed      seed of the resampling (every damage-proxy pair starts from it)
     */
    public record Bootstrap(int resamples, long seed) {
        public Bootstrap {
            if (resamples < 0) {
                throw new IllegalArgumentException("bootstrap resamples must be >= 0, not " + resamples);
            }
        }
    }

    /** The correlations of {@code proxy} ({@code x}) with {@code damage} ({@code y}) over the units. */
    public static Correlation of(String damage, String proxy, double[] x, double[] y, Bootstrap bootstrap) {
        if (x.length != y.length) {
            throw new IllegalArgumentException(x.length + " proxy values for " + y.length + " damage values");
        }
        // the units with both values
        List<double[]> pairs = new ArrayList<>();
        for (int i = 0; i < x.length; i++) {
            if (!Double.isNaN(x[i]) && !Double.isNaN(y[i])) {
                pairs.add(new double[] {x[i], y[i]});
            }
        }
        int n = pairs.size();
        double[] px = pairs.stream().mapToDouble(p -> p[0]).toArray();  // [n]
        double[] py = pairs.stream().mapToDouble(p -> p[1]).toArray();  // [n]
        if (n < 3) {
            return new Correlation(damage, proxy, n, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN,
                    Double.NaN, Double.NaN, Double.NaN);
        }
        // the coefficients and their t-test p-values
        double r = pearson(px, py);
        double rho = spearman(px, py);
        double rP = Double.isNaN(r) ? Double.NaN
                : new PearsonsCorrelation(columns(px, py)).getCorrelationPValues().getEntry(0, 1);
        double rhoP = Double.isNaN(rho) ? Double.NaN
                : new SpearmansCorrelation(columns(px, py)).getRankCorrelation().getCorrelationPValues().getEntry(0, 1);
        // percentile bootstrap over resampled units
        double[] rCi = interval(px, py, bootstrap, false);
        double[] rhoCi = interval(px, py, bootstrap, true);
        return new Correlation(damage, proxy, n, r, rP, rCi[0], rCi[1], rho, rhoP, rhoCi[0], rhoCi[1]);
    }

    /** Pearson's r; NaN for a constant column. */
    static double pearson(double[] x, double[] y) {
        return constant(x) || constant(y) ? Double.NaN : new PearsonsCorrelation().correlation(x, y);
    }

    /** Spearman's rho (average ranks for ties); NaN for a constant column. */
    static double spearman(double[] x, double[] y) {
        return constant(x) || constant(y) ? Double.NaN : new SpearmansCorrelation().correlation(x, y);
    }

    private static boolean constant(double[] v) {
        for (double d : v) {
            if (d != v[0]) {
                return false;
            }
        }
        return true;
    }

    private static BlockRealMatrix columns(double[] x, double[] y) {
        BlockRealMatrix m = new BlockRealMatrix(x.length, 2);                  // [n, 2]
        m.setColumn(0, x);
        m.setColumn(1, y);
        return m;
    }

    /** The 2.5 % and 97.5 % quantiles (numpy's linear rule) of the coefficient over resamples; NaN if none. */
    private static double[] interval(double[] x, double[] y, Bootstrap bootstrap, boolean ranks) {
        SplittableRandom random = new SplittableRandom(bootstrap.seed());
        int n = x.length;
        double[] values = new double[bootstrap.resamples()];                  // [B] finite coefficients
        int kept = 0;
        double[] bx = new double[n];
        double[] by = new double[n];
        for (int b = 0; b < bootstrap.resamples(); b++) {
            for (int i = 0; i < n; i++) {
                int j = random.nextInt(n);
                bx[i] = x[j];
                by[i] = y[j];
            }
            double c = ranks ? spearman(bx, by) : pearson(bx, by);
            if (!Double.isNaN(c)) {
                values[kept++] = c;   // a resample with a constant column has no coefficient
            }
        }
        if (kept == 0) {
            return new double[] {Double.NaN, Double.NaN};
        }
        Percentile p = new Percentile().withEstimationType(Percentile.EstimationType.R_7);
        double[] finite = java.util.Arrays.copyOf(values, kept);
        return new double[] {p.evaluate(finite, 2.5), p.evaluate(finite, 97.5)};
    }

    /** The CSV row ({@link #HEADER}); NaN as an empty cell. */
    public String csvRow() {
        return String.join(",", damage, proxy, Integer.toString(n), cell(pearson), cell(pearsonP), cell(pearsonLow),
                cell(pearsonHigh), cell(spearman), cell(spearmanP), cell(spearmanLow), cell(spearmanHigh));
    }

    static String cell(double v) {
        return Double.isNaN(v) ? "" : org.lmqt.io.PyFloat.repr(v);
    }
}
