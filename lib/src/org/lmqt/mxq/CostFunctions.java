package org.lmqt.mxq;

import java.util.List;
import java.util.Map;
import org.lmqt.quant.QuantConfig;

/** The knapsack cost of every MXQ variant (spec §4.7, §4.7.2); each returns a fresh [N][K] array. */
public final class CostFunctions {

    private CostFunctions() {}

    /** Cost per matrix and config for the options' variant; rule-based variants get the fnorm (for reporting). */
    public static double[][] of(FnormTable table, MxqOptions options) {
        double[][] fnorm = table.fnorm();
        return switch (options.weightAlgo()) {
            case FNORM, SENSI_BOOST, KURT_BOOST, SENSI_DIRECTIVE -> map(table, (i, j) -> fnorm[i][j]);
            case KURT_SCALED -> {
                double[][] ks = table.metric("kurtosis_scaled", "--weight-algo kurt-scaled");
                yield map(table, (i, j) -> fnorm[i][j] * (1 + ks[i][j]));
            }
            case KURT_GLOBAL -> {
                double[][] k = table.metric("kurtosis", "--weight-algo kurt-global");
                yield map(table, (i, j) -> fnorm[i][j] * k[i][j] / 3);
            }
            case HEAD_PRIORITIZED -> prioritized(table, 0, options.factor());
            case TAIL_PRIORITIZED -> prioritized(table, table.lastLayer(), options.factor());
            case SENSI_MILP -> sizeShare(table, options, Outliers.Source.SENSITIVITY);
            case KURT_MILP -> sizeShare(table, options, Outliers.Source.KURTOSIS);
        };
    }

    private interface Cell {
        double at(int matrix, int config);
    }

    private static double[][] map(FnormTable table, Cell cell) {
        double[][] out = new double[table.size()][table.configs().size()];
        for (int i = 0; i < out.length; i++) {
            for (int j = 0; j < out[i].length; j++) {
                out[i][j] = cell.at(i, j);
            }
        }
        return out;
    }

    /** fnorm, times {@code factor} in one layer (head = 0, tail = last). */
    private static double[][] prioritized(FnormTable table, int layer, double factor) {
        double[][] fnorm = table.fnorm();
        return map(table, (i, j) -> table.matrices().get(i).layer() == layer ? fnorm[i][j] * factor : fnorm[i][j]);
    }

    /**
     * SensiMiLP/KurtMiLP: {@code penalty * f / bpp * 100 * (params / Ptot)} with penalty 4 below 3 bits, 2 below 4
     * bits, else 1, {@code f = factor} for outlier matrices (none with ablation), {@code Ptot} the summed parameters
     * of all rows divided by the number of configs. Evaluated in the original's order; the FNorm is not used.
     */
    private static double[][] sizeShare(FnormTable table, MxqOptions options, Outliers.Source source) {
        Map<String, List<Integer>> outliers = options.ablation() ? Map.of()
                : Outliers.find(table, source, options.topMLayer());
        int k = table.configs().size();
        double ptot = (double) (table.totalParams() * k) / k;
        return map(table, (i, j) -> {
            Matrix m = table.matrices().get(i);
            QuantConfig c = table.configs().get(j);
            double bpp = c.bits() + 2.0 * c.metaBits() / c.group() + 32.0 / c.group() / c.metaGroup();
            boolean outlier = outliers.getOrDefault(m.module(), List.of()).contains(m.layer());
            double f = outlier ? options.factor() : 1;
            int penalty = c.bits() < 3 ? 4 : (c.bits() < 4 ? 2 : 1);
            return penalty * f / bpp * 100 * (m.params() / ptot);
        });
    }
}
