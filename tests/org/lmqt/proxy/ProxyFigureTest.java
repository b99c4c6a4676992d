package org.lmqt.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.eval.KlDivergence;
import org.lmqt.plot.Browser;
import org.lmqt.plot.HtmlPage;
import org.lmqt.plot.PlotlyFigure;
import org.lmqt.plot.RenderResult;

class ProxyFigureTest {
    @TempDir
    Path dir;

    @Test
    void onePanelPerProxyAndDamageRendersInChromium() {
        List<UnitResult> results = new ArrayList<>();
        for (int l = 0; l < 3; l++) {
            for (BlockPart p : BlockPart.values()) {
                double k = 0.001 * (l + 1) * (p.ordinal() + 1);
                results.add(new UnitResult(Unit.of(l, p), 1000, new Damage(10 + 100 * k, 100 * k,
                        new KlDivergence.Result(k, k, 2 * k, 3 * k, 0.9, 100)),
                        new ProxyValues(1 + k, 3 + l, 0.5 * p.ordinal())));
            }
        }
        List<String> proxies = ProxyValues.NAMES;
        List<Correlation> table = new ArrayList<>();
        for (String d : UnitResult.DAMAGES) {
            for (String p : proxies) {
                table.add(Correlation.of(d, p, results.stream().mapToDouble(r -> r.proxies().get(p)).toArray(),
                        results.stream().mapToDouble(r -> r.damage(d)).toArray(), new Correlation.Bootstrap(50, 1)));
            }
        }
        PlotlyFigure fig = ProxyFigure.of("test", results, proxies, table);
        assertEquals(6, fig.traces().size(), "2 damage measures x 3 proxies");
        assertTrue(fig.toJson().toString().contains("ρ = 1.000"), "FNorm tracks the damage exactly here");
        Path html = dir.resolve("f.html");
        HtmlPage.write(fig, html);
        RenderResult r = Browser.require().render(html);
        assertTrue(r.ok(), r.toString());
        assertEquals(6, r.plotlyTraces());
        assertEquals(6, r.drawnTraces());
    }
}
