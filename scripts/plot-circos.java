///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Circular allocation chart of up to four attempts with FNorm and perplexity rings, Plotly barpolar (plot-circos-allot.R).
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.report.AllocationOptions;
import org.lmqt.report.CircosChart;
import org.lmqt.report.FigureOptions;
import org.lmqt.report.ResultRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "plot-circos", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"One sector per module, one ring per attempt (layers coloured by config), FNorm rings and a",
            "perplexity ring (from combined.csv when it exists)."},
        footer = {"", "Example:", "  ./jbang scripts/plot-circos.java -m Llama-2-7b-hf -b 4.25 -d ../shared/paper-data/src/data \\",
            "      -q ../shared/paper-data/data-vis/data/quant-cfg-allocation.csv -p ../shared/paper-data/data-vis/data/combined.csv"})
class plot_circos implements Callable<Integer> {
    @Mixin
    AllocationOptions alloc;

    @Option(names = {"-p", "--ppl-csv-file"}, paramLabel = "CSV", description = "combined.csv for the perplexity ring (default: ${DEFAULT-VALUE}; skipped when missing).")
    Path pplCsv = Path.of("data/combined.csv");

    @Mixin
    FigureOptions figures;

    public static void main(String... args) {
        Cli.exit(new plot_circos(), args);
    }

    @Override
    public Integer call() {
        List<ResultRow> results = Files.isRegularFile(pplCsv) ? ResultRow.read(pplCsv) : List.of();
        figures.write(List.of(CircosChart.build(alloc.model, alloc.budget, alloc.attempts(), alloc.allocation(),
                alloc.fnormRows(), results)));
        return 0;
    }
}
