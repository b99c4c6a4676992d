package org.lmqt.eval.niah;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.lmqt.plot.Axis;
import org.lmqt.plot.PlotlyFigure;
import org.lmqt.plot.Trace;
import org.lmqt.report.Chart;
import org.lmqt.report.Tidy;
import org.lmqt.report.TidyCsv;

/**
 * The needle test's figure for one model and quantization: a heat map of the score over context length (x) and
 * needle depth (y), red for a miss, green for a hit (the mean where a cell was run more than once; blank where it
 * was not run), the answer on hover; written as {@code niah-<model>-<quantization>.html} (passkey test:
 * {@code passkey-...}) with its tidy CSV.
 */
public final class NiahHeatMap {
    private static final int HOVER_CHARS = 120;

    private NiahHeatMap() {}

    /** The file name (without extension) of the figure of {@code model} and {@code quantization}. */
    public static String name(NeedleSpec.Style style, String model, String quantization) {
        return (prefix(style) + "-" + model + "-" + quantization).replaceAll("[^A-Za-z0-9._-]+", "_");
    }

    /** {@code niah}, or {@code passkey} for the passkey test. */
    public static String prefix(NeedleSpec.Style style) {
        return style == NeedleSpec.Style.PASSKEY ? "passkey" : "niah";
    }

    /** The (model, quantization) pairs of {@code rows}, in order of first appearance. */
    public static List<Map.Entry<String, String>> runs(List<NiahRow> rows) {
        List<Map.Entry<String, String>> out = new ArrayList<>();
        for (NiahRow r : rows) {
            Map.Entry<String, String> k = Map.entry(r.model(), r.quantization());
            if (!out.contains(k)) {
                out.add(k);
            }
        }
        return out;
    }

    /** The heat map of the rows of {@code model} and {@code quantization} of a test asked in {@code style}. */
    public static Chart build(List<NiahRow> all, NeedleSpec.Style style, String model, String quantization) {
        List<NiahRow> rows = all.stream().filter(r -> r.model().equals(model) && r.quantization().equals(quantization))
                .toList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("no needle-test rows for " + model + " (" + quantization + ")");
        }
        List<Integer> lengths = new ArrayList<>(new TreeSet<>(rows.stream().map(NiahRow::length).toList()));
        List<Double> depths = new ArrayList<>(new TreeSet<>(rows.stream().map(NiahRow::depth).toList()));
        // stage 1: the mean score and an answer per cell, [depth][length]
        List<List<Double>> z = new ArrayList<>();
        List<List<String>> hover = new ArrayList<>();
        Tidy tidy = new Tidy("model", "quantization", "length", "depth", "runs", "score", "exact_match");
        for (double d : depths) {
            List<Double> zRow = new ArrayList<>();
            List<String> hRow = new ArrayList<>();
            for (int len : lengths) {
                List<NiahRow> cell = rows.stream().filter(r -> r.length() == len && Double.compare(r.depth(), d) == 0)
                        .toList();
                if (cell.isEmpty()) {
                    zRow.add(null);
                    hRow.add("");
                    continue;
                }
                double score = cell.stream().mapToInt(NiahRow::score).average().orElseThrow();
                double exact = cell.stream().mapToInt(NiahRow::exactMatch).average().orElseThrow();
                zRow.add(score);
                hRow.add(hoverText(cell.get(cell.size() - 1).answer()));
                tidy.row(model, quantization, len, d, cell.size(), score, exact);
            }
            z.add(zRow);
            hover.add(hRow);
        }
        // stage 2: the figure, depths top (0 %) to bottom (100 %) as the reference's plots show them
        List<String> x = lengths.stream().map(String::valueOf).toList();
        List<String> y = depths.stream().map(TidyCsv::number).toList();
        Trace heat = Trace.of("heatmap").x(x).y(y).set("z", z).set("text", hover)
                .set("zmin", 0).set("zmax", 1).set("xgap", 1).set("ygap", 1)
                .set("colorscale", List.of(List.of(0, "#d73027"), List.of(0.5, "#fee08b"), List.of(1, "#1a9850")))
                .set("colorbar.title.text", "score")
                .hoverTemplate("length %{x} tokens, depth %{y} %<br>score %{z:.2f}<br>%{text}<extra></extra>").build();
        PlotlyFigure fig = PlotlyFigure.builder()
                .title((style == NeedleSpec.Style.PASSKEY ? "Passkey retrieval: " : "Needle in a haystack: ") + model
                        + " (" + quantization + ")")
                .size(Math.max(520, 60 * lengths.size() + 260), Math.max(420, 34 * depths.size() + 200))
                .trace(heat)
                .axis("x", Axis.builder().title("context length (tokens)").type("category").build())
                .axis("y", Axis.builder().title("needle depth (%)").type("category").set("autorange", "reversed")
                        .build())
                .build();
        return new Chart(name(style, model, quantization), fig, tidy.table(prefix(style)));
    }

    private static String hoverText(String answer) {
        String a = answer.strip().replace("\n", " ");
        a = a.length() > HOVER_CHARS ? a.substring(0, HOVER_CHARS) + "…" : a;
        return a.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
