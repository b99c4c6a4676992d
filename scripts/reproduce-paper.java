///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Reproduce every paper figure (Figs. 2-7, circos, win-tie-loss) from the original's archived data, as offline Plotly HTML.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.plot.Chromium;
import org.lmqt.report.FigureOptions;
import org.lmqt.report.PaperFigures;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "reproduce-paper", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Rebuilds combined.csv and quant-cfg-allocation.csv from the result folders, then writes every figure",
            "for Llama-2-7B, Llama-2-13B and Llama-3-8B: HTML (plotly.js inlined) and the tidy CSV it was drawn from."},
        footer = {"", "Example:", "  ./jbang scripts/reproduce-paper.java --paper-data ../shared/paper-data --output-dir figures/paper"})
class reproduce_paper implements Callable<Integer> {
    @Option(names = "--paper-data", paramLabel = "DIR", description = "The original's data, as fetch-paper-data lays it out (default: ${DEFAULT-VALUE}).")
    Path paperData = Path.of("data/paper");

    @Mixin
    FigureOptions figures;

    public static void main(String... args) {
        Cli.exit(new reproduce_paper(), args);
    }

    @Override
    public Integer call() {
        List<String> formats = figures.exports();
        long t0 = System.nanoTime();
        List<Path> files = PaperFigures.reproduce(paperData, figures.outputDir, true);
        if (!formats.isEmpty()) {
            Chromium browser = Chromium.require();
            for (Path f : files.stream().filter(p -> p.toString().endsWith(".html")).toList()) {
                for (String fmt : formats) {
                    browser.export(f, Path.of(f.toString().replaceFirst("\\.html$", "." + fmt)));
                }
            }
        }
        long html = files.stream().filter(p -> p.toString().endsWith(".html")).count();
        System.out.printf("wrote %d figures (HTML + tidy CSV) and the combined tables to %s in %.1f s%n",
                html, figures.outputDir, (System.nanoTime() - t0) / 1e9);
        return 0;
    }
}
