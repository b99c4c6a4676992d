package org.lmqt.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.ToDoubleFunction;
import org.lmqt.plot.Axis;
import org.lmqt.plot.Grid;
import org.lmqt.plot.PlotlyFigure;
import org.lmqt.plot.Theme;
import org.lmqt.plot.Trace;

/**
 * Paper Figs. 4 and 5 ({@code plot-mem-consumption.R}, {@code plot-quant-speed-icaart.R}): one panel per 4-bit
 * config (rows b4g32, b4g64, b4g128) and model (columns), horizontal bars of one measure per method. MXQ is the
 * attempt's result at the same bit budget as the HQQ config; FP16 (memory only) is the unquantized model.
 */
public final class MethodBarsChart {
    /** The configs of the rows. */
    public static final List<String> CONFIGS = List.of("b4g32", "b4g64", "b4g128");

    /** What the chart measures. */
    public record Measure(String name, String column, String axisTitle, ToDoubleFunction<ResultRow> value,
                          List<String> algos, boolean logAxis, String format) {}

    /** GPU memory after loading (GiB): AWQ, GPTQ, HQQ, MXQ, FP16 (the original drops BnB). */
    public static final Measure MEMORY = new Measure("mem-consumption", "load_mem_allot_gib", "GPU Memory (GiB)",
            ResultRow::loadMemAllot, List.of("awq", "gptq", "hqq", "mxq", "fp16"), false, "%.2f");
    /** Quantization time (s) on a log axis: AWQ, GPTQ, HQQ, MXQ. */
    public static final Measure SPEED = new Measure("quant-speed", "quant_duration_s", "Quantization Time (s, log scale)",
            ResultRow::quantDuration, List.of("awq", "gptq", "hqq", "mxq"), true, "%.0f");

    private MethodBarsChart() {}

    /** The chart of {@code measure} for {@code models}, MXQ taken from {@code attempt}. */
    public static Chart build(Measure measure, List<ResultRow> results, List<String> models, String attempt) {
        Grid grid = new Grid(CONFIGS.size(), models.size(), 0.05, 0.08);
        PlotlyFigure.Builder fig = PlotlyFigure.builder()
                .title((measure == MEMORY ? "GPU memory after loading" : "Quantization time") + " (MXQ: " + attempt + ")")
                .size(360 * models.size() + 160, 230 * CONFIGS.size() + 140)
                .layout("showlegend", false).layout("margin.r", 90);
        Tidy tidy = new Tidy("model", "config", "method", "attempt", "bpp", measure.column());
        double max = 0;
        double min = Double.MAX_VALUE;
        for (int row = 0; row < CONFIGS.size(); row++) {
            String config = CONFIGS.get(row);
            double bpp = Combine.bpp(config);
            for (int col = 0; col < models.size(); col++) {
                String model = models.get(col);
                int panel = row * models.size() + col;
                List<String> labels = new ArrayList<>();
                List<Double> values = new ArrayList<>();
                for (String algo : measure.algos()) {
                    Optional<ResultRow> r = pick(results, model, algo, config, bpp, attempt);
                    double v = r.map(x -> measure.value().applyAsDouble(x)).orElse(Double.NaN);
                    if (Double.isNaN(v) || v <= 0) {
                        continue;
                    }
                    labels.add(Labels.method(algo));
                    values.add(v);
                    max = Math.max(max, v);
                    min = Math.min(min, v);
                    tidy.row(model, config, Labels.method(algo), r.get().attempt(), r.get().bpp(), v);
                }
                if (!values.isEmpty()) {
                    fig.trace(Trace.bar().set("orientation", "h").x(values).y(labels)
                            .color(labels.stream().map(Theme::methodColor).toList())
                            .text(values.stream().map(v -> String.format(measure.format(), v)).toList())
                            .set("textposition", "outside").set("cliponaxis", false)
                            .xAxis(Grid.xId(panel)).yAxis(Grid.yId(panel)).name(Labels.model(model) + " " + config)
                            .hoverTemplate("%{y}: %{x}<extra>" + Labels.model(model) + " " + config + "</extra>").build());
                }
                Axis.Builder x = Axis.builder().title(row == CONFIGS.size() - 1 ? measure.axisTitle() : "");
                if (measure.logAxis()) {
                    x.type("log");
                }
                if (panel > 0) {
                    x.matches("x");
                }
                grid.place(fig, panel, x, Axis.builder().type("category").set("autorange", "reversed")
                        .set("categoryorder", "array").set("categoryarray", measure.algos().stream().map(Labels::method).toList()));
                if (row == 0) {
                    fig.annotation("<b>" + Labels.model(model) + "</b>", 0.5, 1.02, Grid.xId(panel) + " domain",
                            Grid.yId(panel) + " domain", Map.of("yanchor", "bottom"));
                }
                if (col == models.size() - 1) {
                    fig.annotation("<b>" + config + "</b>", 1.03, 0.5, Grid.xId(panel) + " domain",
                            Grid.yId(panel) + " domain", Map.of("xanchor", "left", "textangle", 90));
                }
            }
        }
        if (tidy.size() == 0) {
            throw new IllegalArgumentException("no " + measure.name() + " results for " + models + " at " + CONFIGS);
        }
        // one x range for all panels (the others match axis x): room for the labels right of the bars
        fig.axis("x", measure.logAxis()
                ? Axis.builder().type("log").range(Math.floor(Math.log10(min)), Math.log10(max) + 0.6)
                        .title(CONFIGS.size() == 1 ? measure.axisTitle() : "").domain(grid.xDomain(0)[0], grid.xDomain(0)[1]).anchor("y").build()
                : Axis.builder().range(0, max * 1.25).title(CONFIGS.size() == 1 ? measure.axisTitle() : "")
                        .domain(grid.xDomain(0)[0], grid.xDomain(0)[1]).anchor("y").build());
        return new Chart(measure.name(), fig.build(), tidy.table(measure.name()));
    }

    // the row of one bar: MXQ of the attempt at the config's bit budget, FP16's base row, else the baseline config
    private static Optional<ResultRow> pick(List<ResultRow> rows, String model, String algo, String config, double bpp,
                                            String attempt) {
        return rows.stream().filter(r -> r.model().equals(model) && r.algo().equals(algo))
                .filter(r -> switch (algo) {
                    case "mxq" -> r.attempt().equals(attempt) && Math.abs(r.bpp() - bpp) < 1e-9;
                    case "fp16" -> true;
                    default -> r.config().equals(config) && r.attempt().isEmpty();
                })
                .findFirst();
    }
}
