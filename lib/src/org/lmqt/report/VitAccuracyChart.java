package org.lmqt.report;

import java.util.List;
import org.lmqt.plot.Axis;
import org.lmqt.plot.Grid;
import org.lmqt.plot.PlotlyFigure;
import org.lmqt.plot.Theme;
import org.lmqt.plot.Trace;

/**
 * The original's {@code plot-mxq-vit.R}: top-1 and top-5 accuracy of one CLIP model against bit budget (log2
 * axis), one panel per task (zero-shot classification, linear probe), MXQ as connected dots, HQQ as markers, the
 * FP16 accuracies as reference lines with a guide 1 point below each.
 */
public final class VitAccuracyChart {
    /** Panels: title and the result-column suffix. */
    private static final List<String[]> TASKS = List.of(new String[] {"Zero-shot classification", "zeroshot_cls"},
            new String[] {"Linear probe", "linear_probe"});

    private VitAccuracyChart() {}

    /** The chart of {@code model}. */
    public static Chart build(String model, List<VitRow> results) {
        List<VitRow> rows = results.stream().filter(r -> r.model().equals(model)).toList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no ViT results for " + model);
        }
        Grid grid = new Grid(1, TASKS.size(), 0.1, 0);
        PlotlyFigure.Builder fig = PlotlyFigure.builder().title("Accuracy vs bit budget, " + model)
                .size(1300, 560).layout("legend.title.text", "Method");
        Tidy tidy = new Tidy("model", "task", "method", "config", "bpp", "metric", "accuracy");
        for (int p = 0; p < TASKS.size(); p++) {
            String task = TASKS.get(p)[1];
            for (String metric : List.of("acc1", "acc5")) {
                String col = metric + "_" + task;
                for (String method : List.of("MXQ", "HQQ")) {
                    List<VitRow> m = rows.stream().filter(r -> r.method().equals(method))
                            .filter(r -> r.value(col) > 0).sorted((a, b) -> Double.compare(a.bpp(), b.bpp())).toList();
                    if (m.isEmpty()) {
                        continue;
                    }
                    m.forEach(r -> tidy.row(model, task, method, r.config(), r.bpp(), metric, 100 * r.value(col)));
                    boolean mxq = method.equals("MXQ");
                    String name = method + (metric.equals("acc1") ? " top-1" : " top-5");
                    fig.trace(Trace.scatter().name(name).mode(mxq ? "lines+markers" : "markers")
                            .x(m.stream().map(VitRow::bpp).toList()).y(m.stream().map(r -> 100 * r.value(col)).toList())
                            .text(m.stream().map(VitRow::config).toList()).color(Theme.methodColor(method))
                            .set("marker.symbol", metric.equals("acc1") ? Theme.METHOD_SYMBOLS.get(method)
                                    : Theme.METHOD_SYMBOLS.get(method) + "-open")
                            .set("marker.size", mxq ? 6 : 10).set("line.dash", metric.equals("acc1") ? "solid" : "dot")
                            .xAxis(Grid.xId(p)).yAxis(Grid.yId(p)).legendGroup(name).showLegend(p == 0)
                            .hoverTemplate("%{text}: %{x} bits, %{y:.2f} %<extra>" + name + "</extra>").build());
                }
                // FP16 reference and a guide 1 point below it
                VitRow fp16 = rows.stream().filter(r -> r.algo().equals("fp16") && r.value(col) > 0).findFirst()
                        .orElse(null);
                if (fp16 != null) {
                    double ref = 100 * fp16.value(col);
                    tidy.row(model, task, "FP16", "base", 16.0, metric, ref);
                    for (double y : new double[] {ref, ref - 1}) {
                        String name = "FP16 " + (metric.equals("acc1") ? "top-1" : "top-5")
                                + (y == ref ? "" : " - 1 point");
                        fig.trace(Trace.scatter().name(name).mode("lines").x(List.of(2.0, 16.0)).y(List.of(y, y))
                                .set("line.color", Theme.methodColor("FP16")).set("line.dash", y == ref ? "dash" : "dot")
                                .set("line.width", 1).xAxis(Grid.xId(p)).yAxis(Grid.yId(p)).legendGroup(name)
                                .showLegend(p == 0).hoverTemplate(name + " %{y:.2f} %<extra></extra>").build());
                    }
                }
            }
            grid.place(fig, p, Axis.builder().title("Bit Budget").type("log").set("dtick", Math.log10(2)),
                    Axis.builder().title(TASKS.get(p)[0] + " accuracy (%)"));
        }
        return new Chart("vit-accuracy-" + model, fig.build(), tidy.table("vit-accuracy-" + model));
    }
}
