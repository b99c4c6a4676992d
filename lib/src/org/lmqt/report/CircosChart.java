package org.lmqt.report;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.lmqt.plot.PlotlyFigure;
import org.lmqt.plot.Theme;
import org.lmqt.plot.Trace;

/**
 * The circular allocation chart of {@code plot-circos-allot.R}, drawn with Plotly {@code barpolar} traces instead
 * of circlize: one sector per module (layers run clockwise inside it), one ring per attempt (outermost first)
 * with every layer coloured by its config, then one FNorm ring per attempt (bar length = FNorm of the chosen
 * config, scaled to the largest), and an inner perplexity ring with one segment per attempt (length = WikiText2
 * perplexity relative to the largest, values in the hover and the centre). The original always printed
 * "(b4g128)" after the budget (spec section 8 item 22); the centre here shows the budget only.
 */
public final class CircosChart {
    /** The modules, one sector each, clockwise. */
    public static final List<String> MODULES = List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj",
            "self_attn.o_proj", "mlp.gate_proj", "mlp.up_proj", "mlp.down_proj");
    private static final int GAP_SLOTS = 2;
    private static final double RING = 1.0;
    private static final double RING_GAP = 0.15;
    private static final List<String> FNORM_COLORS = List.of("#4d4d4d", "#878787", "#a6611a", "#018571");

    private CircosChart() {}

    /** The chart; {@code fnorm} and {@code results} may be empty (the rings are left out then). */
    public static Chart build(String model, double budget, List<String> attempts, List<AllotRow> allocation,
                              List<FnormRow> fnorm, List<ResultRow> results) {
        if (attempts.isEmpty() || attempts.size() > AllocationChart.MAX_ATTEMPTS) {
            throw new IllegalArgumentException("give 1 to " + AllocationChart.MAX_ATTEMPTS + " attempts, not " + attempts.size());
        }
        Map<String, List<AllotRow>> byAttempt = AllocationChart.select(model, budget, attempts, allocation);
        Map<String, Double> fn = FnormRow.index(fnorm);
        int layers = byAttempt.values().stream().flatMap(List::stream).mapToInt(AllotRow::layer).max().orElse(0) + 1;
        int slots = MODULES.size() * (layers + GAP_SLOTS);
        double step = 360.0 / slots;
        Map<String, ResultRow> ppl = perplexities(model, budget, attempts, results);
        int rings = attempts.size() * (fn.isEmpty() ? 1 : 2) + (ppl.isEmpty() ? 0 : 1);

        PlotlyFigure.Builder fig = PlotlyFigure.builder()
                .title("Allocation of " + Labels.model(model) + " at bit budget " + TidyCsv.number(budget))
                .size(1000, 860).layout("legend.title.text", "Config / ring").layout("legend.x", 1.12)
                .layout("margin.t", 110).layout("margin.r", 60)
                .layout("polar.hole", 0.08).layout("polar.bargap", 0)
                .layout("polar.radialaxis.visible", false)
                .layout("polar.radialaxis.range", List.of(0, rings * (RING + RING_GAP) + 0.1))
                .layout("polar.angularaxis.direction", "clockwise").layout("polar.angularaxis.rotation", 90)
                .layout("polar.angularaxis.showgrid", false).layout("polar.angularaxis.showline", false)
                .layout("polar.angularaxis.tickvals", MODULES.stream()
                        .map(m -> (MODULES.indexOf(m) * (layers + GAP_SLOTS) + layers / 2.0) * step).toList())
                .layout("polar.angularaxis.ticktext", MODULES);
        Tidy tidy = new Tidy("model", "bit_budget", "attempt", "ring", "module", "layer", "config", "value");
        Set<String> inLegend = new HashSet<>();
        int ring = rings - 1;

        // allocation rings, outermost first
        for (var e : byAttempt.entrySet()) {
            Map<String, List<AllotRow>> byConfig = new LinkedHashMap<>();
            Theme.CONFIG_COLORS.keySet().forEach(c -> byConfig.put(c, new ArrayList<>()));
            e.getValue().forEach(r -> byConfig.computeIfAbsent(r.config(), k -> new ArrayList<>()).add(r));
            for (var c : byConfig.entrySet()) {
                List<AllotRow> rs = c.getValue().stream().filter(r -> MODULES.contains(r.module())).toList();
                if (rs.isEmpty()) {
                    continue;
                }
                rs.forEach(r -> tidy.row(model, budget, e.getKey(), "allocation", r.module(), r.layer(), r.config(), r.b1()));
                fig.trace(ring(rs, layers, step, ring, rs.stream().map(r -> RING).toList())
                        .name(c.getKey()).color(Theme.configColor(c.getKey())).legendGroup(c.getKey())
                        .showLegend(inLegend.add(c.getKey()))
                        .text(rs.stream().map(r -> Labels.attempt(e.getKey()) + " " + r.module() + " layer " + r.layer()).toList())
                        .hoverTemplate("%{text}: " + c.getKey() + "<extra></extra>").build());
            }
            ring--;
        }
        // FNorm rings
        if (!fn.isEmpty()) {
            double max = byAttempt.values().stream().flatMap(List::stream)
                    .mapToDouble(r -> fn.getOrDefault(FnormRow.key(r.layer(), r.module(), r.config()), 0.0)).max().orElse(1);
            int i = 0;
            for (var e : byAttempt.entrySet()) {
                List<AllotRow> rs = e.getValue().stream().filter(r -> MODULES.contains(r.module())
                        && fn.containsKey(FnormRow.key(r.layer(), r.module(), r.config()))).toList();
                List<Double> f = rs.stream().map(r -> fn.get(FnormRow.key(r.layer(), r.module(), r.config()))).toList();
                for (int k = 0; k < rs.size(); k++) {
                    tidy.row(model, budget, e.getKey(), "fnorm", rs.get(k).module(), rs.get(k).layer(), rs.get(k).config(), f.get(k));
                }
                fig.trace(ring(rs, layers, step, ring, f.stream().map(v -> RING * v / max).toList())
                        .name("FNorm " + Labels.attempt(e.getKey())).color(FNORM_COLORS.get(i++)).text(f.stream().map(String::valueOf).toList())
                        .hoverTemplate("FNorm %{text}<extra>" + Labels.attempt(e.getKey()) + "</extra>").build());
                ring--;
            }
        }
        // perplexity ring: one segment per attempt
        if (!ppl.isEmpty()) {
            double max = ppl.values().stream().mapToDouble(ResultRow::pplWikitext).max().orElse(1);
            List<String> names = new ArrayList<>(ppl.keySet());
            double seg = 360.0 / names.size();
            List<Double> theta = new ArrayList<>();
            List<Double> r = new ArrayList<>();
            List<String> text = new ArrayList<>();
            StringBuilder centre = new StringBuilder("<b>" + Labels.model(model) + "</b><br>Bit budget " + TidyCsv.number(budget));
            for (int k = 0; k < names.size(); k++) {
                ResultRow row = ppl.get(names.get(k));
                theta.add((k + 0.5) * seg);
                r.add(RING * row.pplWikitext() / max);
                String label = Labels.attempt(names.get(k)) + ": PPL " + row.pplWikitext() + " / " + row.pplC4()
                        + ", MEM " + row.loadMemAllot() + " GiB";
                text.add(label);
                centre.append("<br>").append(label);
                tidy.row(model, budget, names.get(k), "perplexity", "", 0, row.config(), row.pplWikitext());
            }
            fig.trace(Trace.barPolar().name("Perplexity (WikiText2)").theta(theta).r(r).base(RING_GAP).width(seg * 0.96)
                    .color(names.stream().map(n -> FNORM_COLORS.get(names.indexOf(n))).toList()).text(text)
                    .set("opacity", 0.7).hoverTemplate("%{text}<extra></extra>").build());
            fig.annotation(centre.toString(), 0.5, -0.06, "paper", "paper", Map.of("yanchor", "top", "font.size", 13));
            fig.layout("margin.b", 110);
        }
        fig.annotation("Rings, outside in: " + String.join(", ", byAttempt.keySet().stream().map(Labels::attempt).toList())
                + (fn.isEmpty() ? "" : "; then their FNorm") + (ppl.isEmpty() ? "" : "; perplexity"),
                0.5, 1.06, "paper", "paper", Map.of("yanchor", "bottom", "font.size", 12));
        return new Chart("circos-" + model + "-" + TidyCsv.number(budget), fig.build(), tidy.table("circos"));
    }

    // the bars of one ring: a slot per layer inside its module's sector, from the ring's base outwards
    private static Trace.Builder ring(List<AllotRow> rows, int layers, double step, int ring, List<Double> lengths) {
        List<Double> theta = rows.stream()
                .map(r -> (MODULES.indexOf(r.module()) * (layers + GAP_SLOTS) + r.layer() + 0.5) * step).toList();
        return Trace.barPolar().theta(theta).r(lengths).base(ring * (RING + RING_GAP) + RING_GAP).width(step * 0.92)
                .set("marker.line.width", 0);
    }

    private static Map<String, ResultRow> perplexities(String model, double budget, List<String> attempts, List<ResultRow> results) {
        Map<String, ResultRow> m = new LinkedHashMap<>();
        for (String a : attempts) {
            Optional<ResultRow> r = results.stream().filter(x -> x.model().equals(model)
                    && Math.abs(x.bpp() - budget) < 1e-9 && !Double.isNaN(x.pplWikitext())
                    && (a.equals("hqq") ? x.algo().equals("hqq") && x.attempt().isEmpty() : x.algo().equals("mxq") && x.attempt().equals(a)))
                    .findFirst();
            r.ifPresent(x -> m.put(a, x));
        }
        return m;
    }
}
