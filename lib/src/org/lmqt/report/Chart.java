package org.lmqt.report;

import java.nio.file.Path;
import java.util.List;
import org.lmqt.plot.HtmlPage;
import org.lmqt.plot.PlotlyFigure;
import tech.tablesaw.api.Table;

/**
 * One figure and the tidy table it was drawn from. {@link #write} puts {@code <name>.html} (self-contained) and
 * {@code <name>.csv} side by side.
 */
public record Chart(String name, PlotlyFigure figure, Table data) {
    public Chart {
        if (!name.matches("[A-Za-z0-9._-]+")) {
            throw new IllegalArgumentException("chart name must be a plain file name: " + name);
        }
    }

    /** The HTML file in {@code dir}. */
    public Path html(Path dir) {
        return dir.resolve(name + ".html");
    }

    /** The tidy CSV in {@code dir}. */
    public Path csv(Path dir) {
        return dir.resolve(name + ".csv");
    }

    /**
     * Writes both files into {@code dir}, plus static exports ({@code png}, {@code svg}, {@code pdf}) through a
     * headless Chromium when {@code exports} names any; returns the files written (HTML first).
     */
    public List<Path> write(Path dir, List<String> exports) {
        List<Path> files = new java.util.ArrayList<>(write(dir));
        if (!exports.isEmpty()) {
            org.lmqt.plot.Chromium browser = org.lmqt.plot.Chromium.require();
            for (String format : exports) {
                Path out = dir.resolve(name + "." + format.toLowerCase(java.util.Locale.ROOT));
                browser.export(html(dir), out);
                files.add(out);
            }
        }
        return files;
    }

    /** Writes both files into {@code dir}; returns them (HTML first). */
    public List<Path> write(Path dir) {
        HtmlPage.write(figure, html(dir));
        TidyCsv.write(data, csv(dir));
        return List.of(html(dir), csv(dir));
    }
}
