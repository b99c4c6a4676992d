package org.lmqt.proxy;

import java.util.List;
import java.util.Locale;

/** The correlations as a text table for the terminal. */
final class SummaryTable {
    private SummaryTable() {}

    static String format(List<Correlation> table, Correlation.Bootstrap resampling) {
        StringBuilder out = new StringBuilder(String.format(Locale.ROOT, "%-10s %-12s %4s  %-34s %-34s%n", "damage",
                "proxy", "n", "Pearson r (p) [95% CI]", "Spearman rho (p) [95% CI]"));
        for (Correlation c : table) {
            out.append(String.format(Locale.ROOT, "%-10s %-12s %4d  %-34s %-34s%n", c.damage(), c.proxy(), c.n(),
                    cell(c.pearson(), c.pearsonP(), c.pearsonLow(), c.pearsonHigh()),
                    cell(c.spearman(), c.spearmanP(), c.spearmanLow(), c.spearmanHigh())));
        }
        out.append(resampling.resamples() > 0
                ? String.format(Locale.ROOT, "95%% intervals: percentile bootstrap, %d resamples, seed %d",
                        resampling.resamples(), resampling.seed())
                : "no bootstrap intervals (--bootstrap 0)");
        return out.toString();
    }

    private static String cell(double r, double p, double low, double high) {
        if (Double.isNaN(r)) {
            return "n/a";
        }
        String s = String.format(Locale.ROOT, "%+.3f (%.2g)", r, p);
        return Double.isNaN(low) ? s : s + String.format(Locale.ROOT, " [%+.3f, %+.3f]", low, high);
    }
}
