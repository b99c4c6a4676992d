package org.lmqt.proxy;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.lmqt.plot.Axis;
import org.lmqt.plot.Grid;
import org.lmqt.plot.PlotlyFigure;
import org.lmqt.plot.Theme;
import org.lmqt.plot.Trace;

/**
 * The scatter figure of a run: one panel per proxy (columns) and damage measure (rows: change in perplexity, mean
 * KL divergence), one marker per unit (hover: its id), with Spearman's rho and Pearson's r in the panel title.
 */
public final class ProxyFigure {
    private static final Map<String, String> LABELS = Map.of("fnorm", "FNorm", "kurtosis", "Kurtosis",
            "sensitivity", "Sensitivity", "delta_ppl", "ΔPPL", "kld_mean", "mean KL (nats)");

    private ProxyFigure() {}

    /**
     * The figure of {@code results} for the proxies {@code proxies} (those with values), titled {@code title};
     * {@code correlations} gives the numbers shown in each panel's title.
     */
    public static PlotlyFigure of(String title, List<UnitResult> results, List<String> proxies,
                                  List<Correlation> correlations) {
        List<String> damages = UnitResult.DAMAGES;
        Grid grid = new Grid(damages.size(), proxies.size(), 0.08, 0.16);
        PlotlyFigure.Builder fig = PlotlyFigure.builder().title(title)
                .size(Math.max(500, 420 * proxies.size()), 380 * damages.size()).layout("margin.t", 110);
        for (int row = 0; row < damages.size(); row++) {
            String damage = damages.get(row);
            for (int col = 0; col < proxies.size(); col++) {
                String proxy = proxies.get(col);
                int panel = row * proxies.size() + col;
                fig.trace(Trace.scatter().name(LABELS.get(proxy) + " vs " + LABELS.get(damage)).mode("markers")
                        .x(results.stream().map(r -> r.proxies().get(proxy)).toList())
                        .y(results.stream().map(r -> r.damage(damage)).toList())
                        .text(results.stream().map(r -> r.unit().id()).toList())
                        .color(Theme.INK).set("marker.size", 8).set("marker.opacity", 0.75)
                        .xAxis(Grid.xId(panel)).yAxis(Grid.yId(panel)).showLegend(false)
                        .hoverTemplate("%{text}: " + proxy + " %{x}, " + damage + " %{y}<extra></extra>").build());
                grid.place(fig, panel, Axis.builder().title(LABELS.get(proxy)), Axis.builder().title(LABELS.get(damage)));
                double[] xd = grid.xDomain(col);
                double[] yd = grid.yDomain(row);
                fig.annotation(summary(correlations, damage, proxy), (xd[0] + xd[1]) / 2, yd[1] + 0.01, "paper",
                        "paper", Map.of("xanchor", "center", "yanchor", "bottom"));
            }
        }
        return fig.build();
    }

    private static String summary(List<Correlation> correlations, String damage, String proxy) {
        return correlations.stream().filter(c -> c.damage().equals(damage) && c.proxy().equals(proxy)).findFirst()
                .map(c -> String.format(Locale.ROOT, "ρ = %.3f, r = %.3f (n = %d)", c.spearman(), c.pearson(), c.n()))
                .orElse("");
    }
}
