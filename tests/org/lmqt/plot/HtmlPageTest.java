package org.lmqt.plot;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tech.tablesaw.api.DoubleColumn;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.plotly.api.VerticalBarPlot;

class HtmlPageTest {
    @TempDir
    Path dir;

    private static PlotlyFigure polarAndBars() {
        return PlotlyFigure.builder().title("test <figure>")
                .trace(Trace.bar().name("bars").x(List.of("a", "b")).y(List.of(1, 2)).build())
                .trace(Trace.barPolar().name("ring").theta(List.of(0, 90, 180)).r(List.of(1, 1, 1)).base(2).width(80).build())
                .layout("polar.domain.x", List.of(0.6, 1)).axis("x", Axis.builder().domain(0, 0.5).title("x").build())
                .annotation("note", 0.5, 1, "paper", "paper", Map.of())
                .build();
    }

    @Test
    void pageInlinesPlotlyAndLoadsNothingFromTheNetwork() throws Exception {
        Path html = dir.resolve("f.html");
        HtmlPage.write(polarAndBars(), html);
        String page = Files.readString(html, StandardCharsets.UTF_8);
        assertTrue(page.length() > 5_000_000, "plotly.js is inlined");
        assertTrue(page.contains("plotly.js " + PlotlyJs.VERSION));
        assertTrue(page.contains(PlotlyJs.source()));
        String rest = page.replace(PlotlyJs.source(), "");
        assertFalse(rest.contains("src="), "no external scripts");
        assertFalse(rest.contains("http"), "no URLs outside the plotly.js bundle");
        assertTrue(page.contains("<title>test &lt;figure&gt;</title>"));
    }

    @Test
    void barpolarAndBarsRenderInChromium() {
        Path html = dir.resolve("f.html");
        HtmlPage.write(polarAndBars(), html);
        RenderResult r = Browser.require().render(html);
        assertTrue(r.ok(), r.toString());
        assertEquals(2, r.plotlyTraces());
        assertEquals(2, r.drawnTraces());
    }

    @Test
    void scriptErrorsAreReported() throws Exception {
        Path html = dir.resolve("f.html");
        HtmlPage.write(polarAndBars(), html);
        Files.writeString(html, Files.readString(html).replace("</body>", "<script>throw new Error('boom')</script></body>"));
        RenderResult r = Browser.require().render(html);
        assertFalse(r.ok());
        assertTrue(r.errors().stream().anyMatch(e -> e.contains("boom")), r.errors().toString());
    }

    @Test
    void tablesawFiguresGetTheSameOfflinePage() {
        Table t = Table.create("t", StringColumn.create("k", "a", "b", "c"), DoubleColumn.create("v", 1, 3, 2));
        Path html = dir.resolve("jsplot.html");
        HtmlPage.write(VerticalBarPlot.create("jsplot", t, "k", "v"), html);
        RenderResult r = Browser.require().render(html);
        assertTrue(r.ok(), r.toString());
        assertEquals(1, r.drawnTraces());
    }

    @Test
    void exportsSvgPngAndPdf() throws Exception {
        Path html = dir.resolve("f.html");
        HtmlPage.write(polarAndBars(), html);
        Chromium c = Browser.require();
        c.export(html, dir.resolve("f.svg"));
        c.export(html, dir.resolve("f.png"));
        c.export(html, dir.resolve("f.pdf"));
        assertTrue(Files.readString(dir.resolve("f.svg")).startsWith("<svg"));
        byte[] png = Files.readAllBytes(dir.resolve("f.png"));
        assertEquals((byte) 0x89, png[0]);
        assertEquals('P', png[1]);
        assertEquals("%PDF", new String(Files.readAllBytes(dir.resolve("f.pdf")), 0, 4, StandardCharsets.US_ASCII));
    }

    @Test
    void gridDomainsTileWithoutOverlap() {
        Grid g = new Grid(2, 3, 0.05, 0.1);
        assertEquals(0, g.xDomain(0)[0], 1e-12);
        assertEquals(1, g.xDomain(2)[1], 1e-12);
        assertEquals(0.05, g.xDomain(1)[0] - g.xDomain(0)[1], 1e-12);
        assertEquals(1, g.yDomain(0)[1], 1e-12); // row 0 on top
        assertEquals(0, g.yDomain(1)[0], 1e-12);
        assertEquals("xaxis3", Grid.layoutKey(Grid.xId(2)));
    }
}
