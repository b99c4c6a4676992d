package org.lmqt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.plot.Browser;
import org.lmqt.plot.RenderResult;
import tech.tablesaw.api.Table;

/** Every figure built from ../shared/paper-data and opened in a real headless Chromium. */
class PaperFiguresRenderTest {
    private static final Path ROOT = TestData.shared("paper-data");
    private static final Path DATA = ROOT.resolve("data-vis/data");
    private static List<ResultRow> results;
    private static List<AllotRow> allocation;

    @TempDir
    Path out;

    @BeforeAll
    static void load() {
        results = ResultRow.read(DATA.resolve("combined.csv"));
        allocation = AllotRow.of(Combine.combine(DATA).allocation(), DATA);
    }

    /** Renders the chart; checks SVG, no errors, and that Plotly drew exactly {@code expectedTraces} traces. */
    private void render(Chart chart, int expectedTraces) {
        chart.write(out);
        RenderResult r = Browser.require().render(chart.html(out));
        assertTrue(r.svg(), chart.name() + ": no Plotly SVG in the DOM");
        assertTrue(r.rendered(), chart.name() + ": render promise did not resolve");
        assertEquals(List.of(), r.errors(), chart.name() + ": console errors");
        assertEquals(expectedTraces, r.plotlyTraces(), chart.name() + ": traces Plotly holds");
        assertEquals(expectedTraces, r.drawnTraces(), chart.name() + ": trace groups drawn in the SVG");
    }

    private static int distinct(Table t, String... columns) {
        Set<String> keys = new HashSet<>();
        for (int r = 0; r < t.rowCount(); r++) {
            StringBuilder k = new StringBuilder();
            for (String c : columns) {
                k.append(t.column(c).getString(r)).append('|');
            }
            keys.add(k.toString());
        }
        return keys.size();
    }

    @Test
    void weightDistribution() {
        Chart c = WdistChart.build("Llama-2-13b-hf", WdistRow.read(DATA.resolve("wdist/wdist-Llama-2-13b-hf.csv")));
        // 9 tensor kinds x (5 percentile segments + 1 kurtosis line)
        render(c, 9 * 6);
    }

    @Test
    void perplexityVsBitBudget() {
        Chart c = PplMemChart.build("Meta-Llama-3-8B", results, PplMemChart.Options.paper("Meta-Llama-3-8B"));
        // a marker trace per (dataset, method) with data, plus the FP16 line per dataset
        Table t = c.data().where(c.data().stringColumn("method").isNotEqualTo("FP16"));
        render(c, distinct(t, "dataset", "method") + 2);
    }

    @Test
    void memoryAndSpeed() {
        for (MethodBarsChart.Measure m : List.of(MethodBarsChart.MEMORY, MethodBarsChart.SPEED)) {
            Chart c = MethodBarsChart.build(m, results, Labels.PAPER_MODELS, "mxq1");
            render(c, distinct(c.data(), "model", "config")); // one bar trace per panel
        }
    }

    @Test
    void allocationPerModule() {
        List<Chart> charts = AllocationChart.build("Llama-2-7b-hf", 4.25, List.of("hqq", "mxq1", "kurt-scaled", "mxq2"),
                allocation, FnormRow.read(ROOT.resolve("src/data/fnorm-Llama-2-7b-hf.csv")));
        assertEquals(2, charts.size());
        for (Chart c : charts) {
            render(c, distinct(c.data(), "attempt", "module", "config")); // a trace per (panel, config)
        }
    }

    @Test
    void circosWithFnormAndPerplexityRings() {
        List<String> attempts = List.of("hqq", "mxq1", "kurt-scaled");
        Chart c = CircosChart.build("Llama-2-13b-hf", 4.25, attempts, allocation,
                FnormRow.read(ROOT.resolve("src/data/fnorm-Llama-2-13b-hf.csv")), results);
        Table alloc = c.data().where(c.data().stringColumn("ring").isEqualTo("allocation"));
        // a barpolar trace per (attempt, config), one FNorm ring per attempt, one perplexity ring
        render(c, distinct(alloc, "attempt", "config") + attempts.size() + 1);
    }

    @Test
    void winTieLoss() {
        Chart c = WinTieLossChart.build(ResultRow.read(ROOT.resolve("data-vis/endeavors/boost/data/combined.csv")),
                Labels.PAPER_MODELS);
        render(c, 3 * 3); // win, tie, loss per model panel
    }
}
