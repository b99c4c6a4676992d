package org.lmqt.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.lmqt.plot.Axis;
import org.lmqt.plot.Grid;
import org.lmqt.plot.PlotlyFigure;
import org.lmqt.plot.Trace;

/**
 * Paper Fig. 2 ({@code plot-wdist-llm.R}): one panel per tensor kind, 3 per row; per layer a stacked column of the
 * |w| percentiles as increments (p0, p99 - p0, p99.9 - p99, p99.99 - p99.9, max - p99.99, so the column's top is
 * the largest |w|), and the kurtosis as a line on a second y axis. The original stacks a separate kurtosis panel
 * above each bar panel; one panel with two y axes keeps the layers aligned the same way.
 */
public final class WdistChart {
    /** Percentile labels of the stacked segments, bottom to top. */
    public static final List<String> PERCENTILES = List.of("0", "99", "99.9", "99.99", "100");
    private static final List<String> SEGMENT_COLORS = List.of("#deebf7", "#9ecae1", "#6baed6", "#3182bd", "#08519c");
    private static final String KURTOSIS_COLOR = "#D55E00";
    private static final int COLUMNS = 3;

    private WdistChart() {}

    /** The chart of {@code model}'s weight distribution from its {@code wdist} rows. */
    public static Chart build(String model, List<WdistRow> rows) {
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no weight-distribution rows for " + model);
        }
        Map<String, List<WdistRow>> byModule = new TreeMap<>();
        rows.forEach(r -> byModule.computeIfAbsent(r.module(), k -> new ArrayList<>()).add(r));
        Grid grid = new Grid((byModule.size() + COLUMNS - 1) / COLUMNS, COLUMNS, 0.07, 0.14);
        PlotlyFigure.Builder fig = PlotlyFigure.builder()
                .title("Weight distribution and kurtosis of " + Labels.model(model))
                .size(1500, 330 * grid.rows() + 120)
                .layout("barmode", "stack")
                .layout("bargap", 0.15)
                .layout("legend.title.text", "Percentile")
                .layout("legend.x", 1.05)
                .layout("margin.r", 170);
        Tidy tidy = new Tidy("model", "module", "param_count", "layer", "percentile", "value", "increment", "kurtosis");

        int panel = 0;
        for (var e : byModule.entrySet()) {
            List<WdistRow> layers = new ArrayList<>(e.getValue());
            layers.sort((a, b) -> Integer.compare(a.layer(), b.layer()));
            List<Integer> x = layers.stream().map(WdistRow::layer).toList();
            long totalParams = layers.stream().mapToLong(WdistRow::paramCount).sum();
            // stacked increments between consecutive percentiles
            for (int p = 0; p < PERCENTILES.size(); p++) {
                List<Double> inc = new ArrayList<>();
                for (WdistRow r : layers) {
                    double[] q = r.percentiles();
                    double d = p == 0 ? q[0] : q[p] - q[p - 1];
                    inc.add(d);
                    tidy.row(model, r.module(), r.paramCount(), r.layer(), PERCENTILES.get(p), q[p], d, r.kurtosis());
                }
                fig.trace(Trace.bar().name(PERCENTILES.get(p)).x(x).y(inc).color(SEGMENT_COLORS.get(p))
                        .xAxis(Grid.xId(panel)).yAxis(Grid.yId(panel)).legendGroup("p" + p).showLegend(panel == 0)
                        .hoverTemplate("layer %{x}<br>+%{y:.4g}<extra>p" + PERCENTILES.get(p) + "</extra>").build());
            }
            // kurtosis on its own y axis over the panel
            String ky = Grid.yId(grid.size() + panel);
            fig.trace(Trace.scatter().name("Kurtosis").mode("lines+markers").x(x)
                    .y(layers.stream().map(WdistRow::kurtosis).toList())
                    .set("line.color", KURTOSIS_COLOR).set("marker.size", 4).color(KURTOSIS_COLOR)
                    .xAxis(Grid.xId(panel)).yAxis(ky).legendGroup("kurtosis").showLegend(panel == 0).build());
            boolean firstColumn = panel % COLUMNS == 0;
            boolean lastColumn = panel % COLUMNS == COLUMNS - 1 || panel == byModule.size() - 1;
            grid.place(fig, panel,
                    Axis.builder().title(e.getKey() + " (" + String.format("%,d", totalParams) + ")"),
                    Axis.builder().title(firstColumn ? "Absolute Value" : ""));
            fig.axis(ky, Axis.builder().overlaying(Grid.yId(panel)).side("right").anchor(Grid.xId(panel))
                    .showGrid(false).title(lastColumn ? "Kurtosis" : "")
                    .set("tickfont.color", KURTOSIS_COLOR).set("linecolor", KURTOSIS_COLOR).build());
            panel++;
        }
        return new Chart("wdist-kurtosis-" + model, fig.build(), tidy.table("wdist-" + model));
    }

}
