package org.lmqt.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lmqt.plot.Axis;
import org.lmqt.plot.Grid;
import org.lmqt.plot.PlotlyFigure;
import org.lmqt.plot.Theme;
import org.lmqt.plot.Trace;

/**
 * The SensiBoost/KurtBoost comparison of {@code plot-win-tie-loss.R}: for each pair of methods, the share of
 * (bit budget, setting, dataset) cases where the first method's perplexity (rounded to 2 decimals) is lower
 * (win), equal (tie) or higher (loss) than the second's, per model, as 100 % stacked bars. Attempts are named
 * {@code <method>-<stop>-<topm>} ({@code sensi-boost-2-1}); the setting is {@code <stop><topm>}. Cases without a
 * counterpart are not counted.
 */
public final class WinTieLossChart {
    /** Budgets of the MXQ comparison (the HQQ-equivalent budgets). */
    public static final List<Double> MXQ_BUDGETS = List.of(3.13, 3.25, 3.51, 4.13, 4.25, 4.51);
    private static final Pattern ATTEMPT = Pattern.compile("(\\w+-\\w+)-(\\d+)-(\\d+)");

    private record Side(String name, Function<ResultRow, Boolean> filter) {}

    private record Comparison(String label, Side a, Side b, boolean bySetting) {}

    private WinTieLossChart() {}

    /** The setting ({@code stop} and {@code topm} joined, "21") of an attempt, or "" when it is not of that form. */
    public static String setting(String attempt) {
        Matcher m = ATTEMPT.matcher(attempt);
        return m.matches() ? m.group(2) + m.group(3) : "";
    }

    /** The method part of an attempt ({@code sensi-boost}), or "" when it is not of that form. */
    public static String method(String attempt) {
        Matcher m = ATTEMPT.matcher(attempt);
        return m.matches() ? m.group(1) : "";
    }

    /** The chart of the seven comparisons over {@code models}. */
    public static Chart build(List<ResultRow> results, List<String> models) {
        Side sb = attempts("sensi-boost");
        Side kb = attempts("kurt-boost");
        Side hqq = new Side("HQQ", r -> r.algo().equals("hqq") && r.attempt().isEmpty());
        Side mxq = new Side("MXQ", r -> r.attempt().equals("mxq1") && MXQ_BUDGETS.stream().anyMatch(b -> Math.abs(b - r.bpp()) < 1e-9));
        List<Comparison> comparisons = List.of(
                new Comparison("SB vs ABL", sb, attempts("sensi-abl"), true),
                new Comparison("KB vs ABL", kb, attempts("kurt-abl"), true),
                new Comparison("SB vs HQQ", sb, hqq, false), new Comparison("KB vs HQQ", kb, hqq, false),
                new Comparison("SB vs MXQ", sb, mxq, false), new Comparison("KB vs MXQ", kb, mxq, false),
                new Comparison("SB vs KB", sb, kb, true));
        Tidy tidy = new Tidy("model", "comparison", "outcome", "count", "percent");
        Grid grid = new Grid(1, models.size(), 0.04, 0);
        PlotlyFigure.Builder fig = PlotlyFigure.builder().title("Win-tie-loss of SensiBoost (SB) and KurtBoost (KB)")
                .size(420 * models.size() + 200, 520).layout("barmode", "stack")
                .layout("legend.x", -0.12).layout("legend.xanchor", "right").layout("margin.l", 190);
        for (int col = 0; col < models.size(); col++) {
            String model = models.get(col);
            Map<String, int[]> counts = new LinkedHashMap<>();
            for (Comparison c : comparisons) {
                counts.put(c.label(), score(results, model, c));
            }
            if (counts.values().stream().allMatch(n -> n[0] + n[1] + n[2] == 0)) {
                throw new IllegalArgumentException("no SensiBoost/KurtBoost results for " + model);
            }
            List<String> labels = new ArrayList<>(counts.keySet());
            int o = 0;
            for (String outcome : Theme.WTL_COLORS.keySet()) {
                List<Double> pct = new ArrayList<>();
                for (String label : labels) {
                    int[] n = counts.get(label);
                    int total = n[0] + n[1] + n[2];
                    double p = total == 0 ? 0 : 100.0 * n[o] / total;
                    pct.add(p);
                    tidy.row(model, label, outcome, n[o], p);
                }
                fig.trace(Trace.bar().set("orientation", "h").name(outcome).x(pct).y(labels)
                        .color(Theme.WTL_COLORS.get(outcome)).legendGroup(outcome).showLegend(col == 0)
                        .text(pct.stream().map(p -> p >= 6 ? String.format("%.0f%%", p) : "").toList())
                        .set("textposition", "inside").set("insidetextanchor", "middle").set("textfont.color", "white")
                        .xAxis(Grid.xId(col)).yAxis(Grid.yId(col))
                        .hoverTemplate("%{y}: %{x:.1f}% " + outcome.toLowerCase() + "<extra>" + Labels.model(model) + "</extra>").build());
                o++;
            }
            grid.place(fig, col, Axis.builder().title("% of cases").range(0, 100).dtick(25),
                    Axis.builder().type("category").set("autorange", "reversed").set("showticklabels", col == 0));
            fig.annotation("<b>" + Labels.model(model) + "</b>", 0.5, 1.02, Grid.xId(col) + " domain",
                    Grid.yId(col) + " domain", Map.of("yanchor", "bottom"));
        }
        return new Chart("wtl-boost-comparison", fig.build(), tidy.table("wtl"));
    }

    private static Side attempts(String method) {
        return new Side(method, r -> method(r.attempt()).equals(method));
    }

    // wins, ties and losses of side a against side b on one model (both datasets, perplexities rounded to 2 decimals)
    private static int[] score(List<ResultRow> results, String model, Comparison c) {
        int[] n = new int[3];
        List<ResultRow> as = results.stream().filter(r -> r.model().equals(model) && c.a().filter().apply(r)).toList();
        List<ResultRow> bs = results.stream().filter(r -> r.model().equals(model) && c.b().filter().apply(r)).toList();
        for (ResultRow a : as) {
            for (ResultRow b : bs) {
                if (Math.abs(a.bpp() - b.bpp()) > 1e-9 || (c.bySetting() && !setting(a.attempt()).equals(setting(b.attempt())))) {
                    continue;
                }
                for (String dataset : PplMemChart.DATASETS) {
                    double d = TidyCsv.round(a.ppl(dataset), 2) - TidyCsv.round(b.ppl(dataset), 2);
                    if (Double.isNaN(d)) {
                        continue;
                    }
                    n[Math.abs(d) < 1e-9 ? 1 : d < 0 ? 0 : 2]++;
                }
            }
        }
        return n;
    }
}
