package org.lmqt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.plot.Browser;
import org.lmqt.plot.RenderResult;

class PaperFiguresRenderTest {
    private static final Path DATA = TestData.shared("paper-data/data-vis/data");

    @TempDir
    Path out;

    private RenderResult render(Chart chart) {
        chart.write(out);
        RenderResult r = Browser.require().render(chart.html(out));
        assertTrue(r.svg(), chart.name() + ": no Plotly SVG in the DOM");
        assertTrue(r.rendered(), chart.name() + ": render promise did not resolve");
        assertEquals(List.of(), r.errors(), chart.name() + ": console errors");
        assertEquals(chart.figure().traces().size(), r.plotlyTraces(), chart.name() + ": traces Plotly holds");
        assertEquals(chart.figure().traces().size(), r.drawnTraces(), chart.name() + ": trace groups drawn");
        return r;
    }

    @Test
    void weightDistribution() {
        Chart c = WdistChart.build("Llama-2-7b-hf", WdistRow.read(DATA.resolve("wdist/wdist-Llama-2-7b-hf.csv")));
        // 9 tensor kinds: 5 percentile segments + 1 kurtosis line each
        assertEquals(9 * 6, render(c).drawnTraces());
    }
}
