package org.lmqt.report;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lmqt.plot.Axis;
import org.lmqt.plot.Grid;
import org.lmqt.plot.PlotlyFigure;
import org.lmqt.plot.Theme;
import org.lmqt.plot.Trace;

/**
 * Paper Fig. 3 ({@code plot-mxq-ppl-icaart.R}, {@code plot-ppl-mem.R}): perplexity against bit budget for one
 * model, one panel per dataset (WikiText2, C4). MXQ of one attempt as small connected dots, the baselines (HQQ,
 * GPTQ, AWQ, BnB) and every other method of the results (RTN, SmoothQuant, ZeroQuant, FP8, FP4, MXFP8, MXFP4, the
 * KV-cache variants such as {@code HQQ+kivi2-g32-r128}, whose bit budget is that of their weights) as bigger markers, the FP16 perplexity as a reference line with 1 % and 2 % degradation bands,
 * a top axis with the memory reduction against FP16 ({@code 100 (16 - bpp) / 16}) and a right axis with the
 * degradation against FP16. Plotly has no broken axes, so instead of the original's 5.5-15.6 axis break the FP16
 * point is the labelled reference line.
 */
public final class PplMemChart {
    /** The datasets, in panel order. */
    public static final List<String> DATASETS = List.of("WikiText2", "C4");
    /** Baselines drawn, in legend order. */
    public static final List<String> BASELINES = List.of("HQQ", "GPTQ", "AWQ", "BnB");

    private PplMemChart() {}

    /**
     * Options: the MXQ attempt to draw, the bit-budget range, the y range as a multiple of FP16's perplexity, and the
     * datasets (panels) drawn.
     */
    public record Options(String attempt, double minBpp, double maxBpp, double yMaxFactor, List<String> datasets) {
        public Options {
            if (!(minBpp < maxBpp) || yMaxFactor <= 1) {
                throw new IllegalArgumentException("need min-bpp < max-bpp and a y factor above 1");
            }
            datasets = List.copyOf(datasets);
            if (datasets.isEmpty() || !DATASETS.containsAll(datasets)) {
                throw new IllegalArgumentException("datasets must be some of " + DATASETS + ", not " + datasets);
            }
        }

        /** Both of the paper's panels. */
        public Options(String attempt, double minBpp, double maxBpp, double yMaxFactor) {
            this(attempt, minBpp, maxBpp, yMaxFactor, DATASETS);
        }

        /** The paper's figure: attempt mxq1, 2.8 to 8.6 bits, y up to 1.2 (Llama-3-8B: 1.35) times FP16. */
        public static Options paper(String model) {
            return new Options("mxq1", 2.8, 8.6, model.contains("Llama-3") ? 1.35 : 1.2);
        }
    }

    /** The chart of {@code model} from the combined results. */
    public static Chart build(String model, List<ResultRow> results, Options opt) {
        List<ResultRow> rows = results.stream().filter(r -> r.model().equals(model)).toList();
        ResultRow fp16 = rows.stream().filter(r -> r.algo().equals("fp16")).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no FP16 row for " + model + " in the results"));
        // MXQ of the chosen attempt, the baselines and every other method of the results (the activation methods,
        // the KV-cache variants), inside the bit range
        List<ResultRow> shown = rows.stream()
                .filter(r -> r.bpp() >= opt.minBpp() && r.bpp() <= opt.maxBpp())
                .filter(r -> r.algo().equals("mxq") ? r.attempt().equals(opt.attempt())
                        : r.attempt().isEmpty() && !r.algo().equals("fp16"))
                .sorted((a, b) -> Double.compare(a.bpp(), b.bpp()))
                .toList();
        if (shown.isEmpty()) {
            throw new IllegalArgumentException("no results of " + model + " between " + opt.minBpp() + " and "
                    + opt.maxBpp() + " bits (MXQ attempt '" + opt.attempt() + "')");
        }
        List<String> datasets = opt.datasets();
        Grid grid = new Grid(1, datasets.size(), 0.12, 0);
        PlotlyFigure.Builder fig = PlotlyFigure.builder()
                .title("Perplexity vs bit budget, " + Labels.model(model) + " (MXQ: " + opt.attempt() + ")")
                .size(1350, 580).layout("legend.title.text", "Method").layout("legend.x", 1.1)
                .layout("margin.t", 130).layout("title.y", 0.97).layout("title.yanchor", "top");
        Tidy tidy = new Tidy("model", "dataset", "method", "attempt", "config", "bpp", "memory_reduction_pct",
                "perplexity", "degradation_pct");
        List<String> methods = new ArrayList<>(List.of("MXQ"));
        methods.addAll(BASELINES);
        rows.stream().map(ResultRow::method).filter(m -> !methods.contains(m) && !m.equals("FP16")).distinct()
                .forEach(methods::add);

        for (int d = 0; d < datasets.size(); d++) {
            String dataset = datasets.get(d);
            double ref = fp16.ppl(dataset);
            // one marker trace per method
            for (String method : methods) {
                // a perplexity of 0 is a dataset the harness did not evaluate
                List<ResultRow> m = shown.stream().filter(r -> r.method().equals(method) && r.ppl(dataset) > 0).toList();
                if (m.isEmpty()) {
                    continue;
                }
                m.forEach(r -> tidy.row(model, dataset, method, r.attempt(), r.config(), r.bpp(), reduction(r.bpp()),
                        r.ppl(dataset), degradation(r.ppl(dataset), ref)));
                boolean mxq = method.equals("MXQ");
                fig.trace(Trace.scatter().name(method).mode(mxq ? "lines+markers" : "markers")
                        .x(m.stream().map(ResultRow::bpp).toList()).y(m.stream().map(r -> r.ppl(dataset)).toList())
                        .text(m.stream().map(ResultRow::config).toList())
                        .color(Theme.methodColor(method)).set("marker.symbol", Theme.methodSymbol(method))
                        .set("marker.size", mxq ? 5 : 11).set("line.width", 1).set("marker.line.width", mxq ? 0 : 1)
                        .set("marker.line.color", "white")
                        .xAxis(Grid.xId(d)).yAxis(Grid.yId(d)).legendGroup(method).showLegend(d == 0)
                        .hoverTemplate("%{text}: %{x} bits, ppl %{y}<extra>" + method + "</extra>").build());
            }
            tidy.row(model, dataset, "FP16", "", "base", 16.0, 0.0, ref, 0.0);
            double yMax = ref * opt.yMaxFactor();
            // from 1 % below FP16, lower where a method beats it (never in the paper's data; a random tiny model can)
            double best = shown.stream().mapToDouble(r -> r.ppl(dataset)).filter(v -> !Double.isNaN(v)).min()
                    .orElse(ref);
            double yMin = Math.min(ref, best) * 0.99;
            grid.place(fig, d, Axis.builder().title("Bit Budget").range(opt.minBpp() - 0.1, opt.maxBpp()).dtick(0.5),
                    Axis.builder().title(dataset + " Perplexity").range(yMin, yMax));
            // FP16 reference on secondary axes: top = memory reduction, right = degradation against FP16
            String x2 = Grid.xId(datasets.size() + d);
            String y2 = Grid.yId(datasets.size() + d);
            double[] xd = grid.xDomain(d);
            fig.axis(x2, Axis.builder().overlaying(Grid.xId(d)).side("top").anchor(Grid.yId(d))
                    .domain(xd[0], xd[1]).range(reduction(opt.minBpp() - 0.1), reduction(opt.maxBpp()))
                    .title("% Memory Reduction").showGrid(false).dtick(5).build());
            fig.axis(y2, Axis.builder().overlaying(Grid.yId(d)).side("right").anchor(Grid.xId(d))
                    .range(degradation(yMin, ref), degradation(yMax, ref)).title("% Degradation").showGrid(false).build());
            fig.trace(Trace.scatter().name("FP16").mode("lines")
                    .x(List.of(reduction(opt.minBpp() - 0.1), reduction(opt.maxBpp()))).y(List.of(0.0, 0.0))
                    .set("line.color", Theme.methodColor("FP16")).set("line.dash", "dash").set("line.width", 1.5)
                    .xAxis(x2).yAxis(y2).legendGroup("FP16").showLegend(d == 0)
                    .hoverTemplate("FP16 perplexity " + ref + "<extra></extra>").build());
            band(fig, x2, y2, 0, 1, "rgba(120,120,120,0.16)");
            band(fig, x2, y2, 1, 2, "rgba(120,120,120,0.08)");
            fig.annotation("FP16 " + ref + " (+1 %, +2 % bands)", 1, 0, x2 + " domain",
                    y2, Map.of("xanchor", "right", "yanchor", "bottom", "font.size", 12));
        }
        return new Chart("ppl-mem-" + model, fig.build(), tidy.table("ppl-mem-" + model));
    }

    /** Memory reduction against FP16 in percent: {@code 100 (16 - bpp) / 16}. */
    public static double reduction(double bpp) {
        return 100 * (16 - bpp) / 16;
    }

    /** Perplexity degradation against a reference, in percent. */
    public static double degradation(double ppl, double reference) {
        return 100 * (ppl / reference - 1);
    }

    private static void band(PlotlyFigure.Builder fig, String x, String y, double from, double to, String color) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("type", "rect");
        s.put("xref", x + " domain");
        s.put("yref", y);
        s.put("x0", 0);
        s.put("x1", 1);
        s.put("y0", from);
        s.put("y1", to);
        s.put("fillcolor", color);
        s.put("line.width", 0);
        s.put("layer", "below");
        fig.shape(s);
    }
}
