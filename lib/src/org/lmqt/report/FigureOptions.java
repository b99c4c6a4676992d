package org.lmqt.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.lmqt.cli.UserException;
import picocli.CommandLine.Option;

/** The options every figure script shares (a picocli mixin): where figures go and which static exports to make. */
public final class FigureOptions {
    /** Static export formats. */
    public static final List<String> FORMATS = List.of("png", "svg", "pdf");

    @Option(names = "--output-dir", paramLabel = "DIR", description = "Folder for the figures (HTML + tidy CSV; default: ${DEFAULT-VALUE}).")
    public Path outputDir = Path.of("figures");

    @Option(names = "--export", split = ",", paramLabel = "FORMAT",
            description = "Also export png, svg and/or pdf (comma separated) through a headless Chromium.")
    public List<String> export = new ArrayList<>();

    /** Validated export formats (lower case). */
    public List<String> exports() {
        List<String> out = new ArrayList<>();
        for (String f : export) {
            String l = f.toLowerCase(Locale.ROOT).strip();
            if (!FORMATS.contains(l)) {
                throw new UserException("unknown export format '" + f + "' (use " + String.join(", ", FORMATS) + ")");
            }
            out.add(l);
        }
        return out;
    }

    /** Writes the charts and prints one line per file written. */
    public void write(List<Chart> charts) {
        List<String> formats = exports();
        for (Chart c : charts) {
            c.write(outputDir, formats).forEach(p -> System.out.println("wrote " + p));
        }
    }
}
