package org.lmqt.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.lmqt.checkpoint.ModelFamily;

class CorrelationTest {
    private static final Correlation.Bootstrap B = new Correlation.Bootstrap(500, 3);

    /** Pearson's r computed by hand. */
    private static double r(double[] x, double[] y) {
        double mx = java.util.Arrays.stream(x).average().orElseThrow();
        double my = java.util.Arrays.stream(y).average().orElseThrow();
        double sxy = 0;
        double sxx = 0;
        double syy = 0;
        for (int i = 0; i < x.length; i++) {
            sxy += (x[i] - mx) * (y[i] - my);
            sxx += (x[i] - mx) * (x[i] - mx);
            syy += (y[i] - my) * (y[i] - my);
        }
        return sxy / Math.sqrt(sxx * syy);
    }

    @Test
    void spearmanUsesAverageRanksAndMissingPairsAreLeftOut() {
        double[] x = {1, 2, 3, 4, 5, Double.NaN, 9};
        double[] y = {5, 6, 7, 8, 7, 1, Double.NaN};
        Correlation c = Correlation.of("kld_mean", "fnorm", x, y, B);
        assertEquals(5, c.n());
        double[] xs = {1, 2, 3, 4, 5};
        assertEquals(r(xs, new double[] {5, 6, 7, 8, 7}), c.pearson(), 1e-12);
        // ranks of y: 5 -> 1, 6 -> 2, the two 7s -> 3.5, 8 -> 5
        assertEquals(r(xs, new double[] {1, 2, 3.5, 5, 3.5}), c.spearman(), 1e-12);
        assertTrue(c.pearsonLow() <= c.pearsonHigh() && c.spearmanLow() <= c.spearmanHigh());
    }

    @Test
    void theBootstrapIsSeeded() {
        double[] x = {0.3, 1.2, 0.7, 2.5, 1.9, 0.4, 3.1, 2.2};
        double[] y = {0.1, 0.9, 0.2, 1.5, 1.1, 0.6, 1.4, 2.0};
        Correlation a = Correlation.of("delta_ppl", "fnorm", x, y, B);
        assertEquals(a, Correlation.of("delta_ppl", "fnorm", x, y, B));
        Correlation other = Correlation.of("delta_ppl", "fnorm", x, y, new Correlation.Bootstrap(500, 4));
        assertNotEquals(a.pearsonLow(), other.pearsonLow());
        assertEquals(a.pearson(), other.pearson());
        Correlation none = Correlation.of("delta_ppl", "fnorm", x, y, new Correlation.Bootstrap(0, 3));
        assertTrue(Double.isNaN(none.pearsonLow()) && Double.isNaN(none.spearmanHigh()));
        assertEquals(a.spearmanP(), none.spearmanP());
    }

    @Test
    void tooFewUnitsOrAConstantColumnGiveEmptyCells() {
        Correlation two = Correlation.of("kld_mean", "kurtosis", new double[] {1, 2}, new double[] {3, 1}, B);
        assertEquals(2, two.n());
        assertTrue(Double.isNaN(two.pearson()) && Double.isNaN(two.spearmanP()));
        assertTrue(two.csvRow().startsWith("kld_mean,kurtosis,2,,,"), two.csvRow());
        Correlation flat = Correlation.of("kld_mean", "kurtosis", new double[] {1, 1, 1, 1},
                new double[] {3, 1, 2, 5}, B);
        assertEquals(4, flat.n());
        assertTrue(Double.isNaN(flat.pearson()) && Double.isNaN(flat.spearman()) && Double.isNaN(flat.pearsonP()));
    }

    @Test
    void unitsAreLayerMajorInTheTablesOrder() {
        List<Unit> all = Unit.all(UnitKind.MATRIX, ModelFamily.LLAMA, 2, Set.of());
        assertEquals(14, all.size());
        assertEquals(List.of("0.self_attn.q_proj", "0.self_attn.v_proj", "0.self_attn.k_proj"),
                all.subList(0, 3).stream().map(Unit::id).toList());
        List<Unit> parts = Unit.all(UnitKind.BLOCK_PART, ModelFamily.LLAMA, 2, Set.of("mlp_down", "attn_in"));
        assertEquals(List.of("0.attn_in", "0.mlp_down", "1.attn_in", "1.mlp_down"),
                parts.stream().map(Unit::id).toList());
        assertEquals(3, parts.get(0).matrices().size());
    }
}
