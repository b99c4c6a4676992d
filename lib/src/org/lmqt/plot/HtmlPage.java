package org.lmqt.plot;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import org.lmqt.Deps;
import org.lmqt.io.AtomicFiles;

/**
 * Writes a figure as one self-contained HTML file: plotly.js is inlined from the webjar ({@link PlotlyJs}), so the
 * page opens with no network. The page also records script errors in the {@code data-lmqt-errors} attribute of
 * {@code <html>}, marks a finished render with {@code data-lmqt-rendered} and {@code data-lmqt-traces}, and, when
 * opened with {@code #export=svg} or {@code #export=png}, puts {@code Plotly.toImage}'s data URL into
 * {@code <pre id="lmqt-export">}. {@link Chromium} reads these back for render checks and static export.
 */
public final class HtmlPage {
    /** Id of the figure's {@code <div>}. */
    public static final String DIV_ID = "lmqtfigure";

    private HtmlPage() {}

    /** Writes {@code figure} to {@code html} (atomically). */
    public static void write(PlotlyFigure figure, Path html) {
        String call = "Plotly.newPlot('" + DIV_ID + "', fig.data, fig.layout, fig.config)";
        String script = "var fig = " + Json.write(figure.toJson()) + ";\nlmqtFinish(" + call + ");";
        write(html, figure.title(), figure.width(), figure.height(), "<div id=\"" + DIV_ID + "\"></div>", script);
    }

    /**
     * Writes a tablesaw-jsplot figure as a self-contained page (jsplot's own pages load plotly.js from a CDN frozen
     * at v1.58.5). Handy in JShell: {@code HtmlPage.write(BarPlot.create(...), Path.of("bar.html"))}.
     */
    public static void write(tech.tablesaw.plotly.components.Figure figure, Path html) {
        // jsplot's script calls Plotly.newPlot on a variable named after the div; we wait for the div's first render
        String script = figure.asJavascript(DIV_ID).replaceAll("(?s)^\\s*<script>|</script>\\s*$", "")
                + "\nlmqtFinish(Promise.resolve(document.getElementById('" + DIV_ID + "')));";
        write(html, "lmqt figure", 900, 600, figure.divString(DIV_ID), script);
    }

    private static void write(Path html, String title, int width, int height, String body, String figureScript) {
        AtomicFiles.writeText(html, w -> {
            w.write("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>");
            w.write(escape(title));
            w.write("</title>\n<meta name=\"generator\" content=\"" + escape(Deps.VERSION) + ", plotly.js "
                    + PlotlyJs.VERSION + "\">\n");
            w.write("<style>body{margin:0;background:white}@page{size:" + width + "px " + height
                    + "px;margin:0}</style>\n");
            w.write("<script>\n" + ERROR_HOOK + "</script>\n<script>\n");
            w.write(PlotlyJs.source());
            w.write("\n</script>\n</head>\n<body>\n");
            w.write(body);
            w.write("\n<pre id=\"lmqt-export\" hidden></pre>\n<script>\n" + FINISH + "</script>\n<script>\n");
            writeScript(w, figureScript);
            w.write("\n</script>\n</body>\n</html>\n");
        });
    }

    private static void writeScript(Writer w, String script) throws IOException {
        w.write(script.replace("</script", "<\\/script"));
    }

    static String escape(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    // collects uncaught errors, rejected promises and console.error calls into <html data-lmqt-errors="[...]">
    private static final String ERROR_HOOK = """
            (function () {
              var errors = [];
              function record(msg) {
                errors.push(String(msg));
                document.documentElement.setAttribute('data-lmqt-errors', JSON.stringify(errors));
              }
              window.lmqtRecordError = record;
              window.addEventListener('error', function (e) { record(e.message || e); });
              window.addEventListener('unhandledrejection', function (e) { record(e.reason); });
              var original = console.error;
              console.error = function () {
                record(Array.prototype.join.call(arguments, ' '));
                return original.apply(console, arguments);
              };
            })();
            """;

    // marks the finished render and serves #export=svg|png requests through Plotly.toImage
    private static final String FINISH = """
            function lmqtFinish(promise) {
              promise.then(function (gd) {
                var root = document.documentElement;
                root.setAttribute('data-lmqt-traces', String((gd.data || []).length));
                var m = /export=(svg|png)/.exec(location.hash);
                if (!m) { root.setAttribute('data-lmqt-rendered', 'true'); return; }
                return Plotly.toImage(gd, {format: m[1], width: gd.layout.width, height: gd.layout.height,
                                           scale: m[1] === 'png' ? 2 : 1})
                  .then(function (url) {
                    document.getElementById('lmqt-export').textContent = url;
                    root.setAttribute('data-lmqt-rendered', 'true');
                  });
              }).catch(function (e) { window.lmqtRecordError(e && e.stack ? e.stack : e); });
            }
            """;
}
