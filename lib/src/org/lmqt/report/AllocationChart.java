package org.lmqt.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.lmqt.plot.Axis;
import org.lmqt.plot.Grid;
import org.lmqt.plot.PlotlyFigure;
import org.lmqt.plot.Theme;
import org.lmqt.plot.Trace;
import org.lmqt.quant.QuantConfig;

/**
 * Paper Figs. 6 and 7 ({@code plot-mxq-allocation.R}, {@code plot-mxq-allot-icaart.R}): the config every layer
 * got, per module, for up to four attempts side by side (rows = attempts, {@code hqq} is the HQQ baseline;
 * columns = modules). A bar per layer coloured by its config; its height is the config's FNorm on that matrix
 * when FNorm values are given, else the config's bits per parameter. Two charts: attention and MLP modules.
 * Unlike the original ({@code --fnorm} could not be switched off, {@code -q} was ignored; spec section 8 item 22)
 * both options work.
 */
public final class AllocationChart {
    /** Attention modules (the original's attention figure) and MLP modules. */
    public static final List<String> ATTENTION = List.of("self_attn.k_proj", "self_attn.o_proj", "self_attn.q_proj", "self_attn.v_proj");
    public static final List<String> MLP = List.of("mlp.down_proj", "mlp.gate_proj", "mlp.up_proj");
    /** At most this many attempts side by side. */
    public static final int MAX_ATTEMPTS = 4;

    private AllocationChart() {}

    /**
     * The attention and MLP charts of {@code model} at {@code budget}. {@code fnorm} may be empty (bars show bits
     * per parameter then).
     */
    public static List<Chart> build(String model, double budget, List<String> attempts, List<AllotRow> allocation,
                                    List<FnormRow> fnorm) {
        if (attempts.isEmpty() || attempts.size() > MAX_ATTEMPTS) {
            throw new IllegalArgumentException("give 1 to " + MAX_ATTEMPTS + " attempts, not " + attempts.size());
        }
        Map<String, List<AllotRow>> byAttempt = select(model, budget, attempts, allocation);
        Map<String, Double> fn = FnormRow.index(fnorm);
        String tag = model + "-" + TidyCsv.number(budget);
        return List.of(chart("allot-attn-" + tag, "attention", model, budget, byAttempt, ATTENTION, fn),
                chart("allot-mlp-" + tag, "MLP", model, budget, byAttempt, MLP, fn));
    }

    /** The allocation rows of each attempt (in the given order) for the model and budget; fails on a missing one. */
    static Map<String, List<AllotRow>> select(String model, double budget, List<String> attempts, List<AllotRow> rows) {
        Map<String, List<AllotRow>> m = new LinkedHashMap<>();
        for (String a : attempts) {
            List<AllotRow> l = rows.stream().filter(r -> r.model().equals(model) && r.attemptName().equals(a)
                    && Math.abs(r.bitBudget() - budget) < 1e-9).toList();
            if (l.isEmpty()) {
                throw new IllegalArgumentException("no allocation of attempt '" + a + "' for " + model + " at bit budget "
                        + TidyCsv.number(budget));
            }
            m.put(a, l);
        }
        return m;
    }

    private static Chart chart(String name, String part, String model, double budget, Map<String, List<AllotRow>> byAttempt,
                               List<String> modules, Map<String, Double> fnorm) {
        boolean useFnorm = !fnorm.isEmpty();
        Grid grid = new Grid(byAttempt.size(), modules.size(), 0.04, 0.1);
        PlotlyFigure.Builder fig = PlotlyFigure.builder()
                .title("Allocation of " + Labels.model(model) + " at " + TidyCsv.number(budget) + " bits, " + part + " modules")
                .size(380 * modules.size() + 220, 260 * byAttempt.size() + 150)
                .layout("bargap", 0.1).layout("legend.title.text", "Config");
        Tidy tidy = new Tidy("model", "bit_budget", "attempt", "module", "layer", "config", "b1", "g1", "memmb", "fnorm");
        Set<String> inLegend = new HashSet<>();
        int row = 0;
        for (var e : byAttempt.entrySet()) {
            for (int col = 0; col < modules.size(); col++) {
                String module = modules.get(col);
                int panel = row * modules.size() + col;
                List<AllotRow> layers = new ArrayList<>(e.getValue().stream().filter(r -> r.module().equals(module)).toList());
                layers.sort((a, b) -> Integer.compare(a.layer(), b.layer()));
                // one trace per config so that the legend lists configs
                Map<String, List<AllotRow>> byConfig = new LinkedHashMap<>();
                for (String c : Theme.CONFIG_COLORS.keySet()) {
                    byConfig.put(c, new ArrayList<>());
                }
                layers.forEach(r -> byConfig.computeIfAbsent(r.config(), k -> new ArrayList<>()).add(r));
                for (var c : byConfig.entrySet()) {
                    if (c.getValue().isEmpty()) {
                        continue;
                    }
                    List<Double> y = new ArrayList<>();
                    for (AllotRow r : c.getValue()) {
                        Double f = fnorm.get(FnormRow.key(r.layer(), module, r.config()));
                        y.add(useFnorm ? (f == null ? null : f) : QuantConfig.parse(r.config()).bitsPerParameter());
                        tidy.row(model, budget, e.getKey(), module, r.layer(), r.config(), r.b1(), r.g1(), r.memmb(), f);
                    }
                    fig.trace(Trace.bar().name(c.getKey()).x(c.getValue().stream().map(AllotRow::layer).toList()).y(y)
                            .color(Theme.configColor(c.getKey())).set("marker.line.color", "#555").set("marker.line.width", 0.5)
                            .legendGroup(c.getKey()).showLegend(inLegend.add(c.getKey()))
                            .xAxis(Grid.xId(panel)).yAxis(Grid.yId(panel))
                            .hoverTemplate("layer %{x}: " + c.getKey() + ", %{y:.4g}<extra>" + Labels.attempt(e.getKey()) + "</extra>")
                            .build());
                }
                // a tick every 5 layers as in the paper; every layer for small (test and demo) models
                int tickStep = layers.size() >= 20 ? 5 : 1;
                grid.place(fig, panel, Axis.builder().title(Labels.attempt(e.getKey()) + " - " + module).dtick(tickStep),
                        Axis.builder().title(col == 0 ? (useFnorm ? "FNorm" : "Bits per parameter") : ""));
            }
            row++;
        }
        fig.layout("barmode", "overlay");
        return new Chart(name, fig.build(), tidy.table(name));
    }
}
