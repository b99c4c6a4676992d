///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Figs. 6-7: the config of every layer per module for up to four attempts side by side, optional FNorm (plot-mxq-allocation.R).
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.report.AllocationChart;
import org.lmqt.report.AllocationOptions;
import org.lmqt.report.FigureOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "plot-mxq-allocation", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Per module, a bar per layer coloured by its config, one row per attempt; bar height = FNorm",
            "of the config (--fnorm, default) or its bits per parameter (--no-fnorm). Writes an attention and an MLP figure."},
        footer = {"", "Example:", "  ./jbang scripts/plot-mxq-allocation.java -m Llama-2-7b-hf -b 4.25 -d ../shared/paper-data/src/data \\",
            "      -q ../shared/paper-data/data-vis/data/quant-cfg-allocation.csv --output-dir figures"})
class plot_mxq_allocation implements Callable<Integer> {
    @Mixin
    AllocationOptions alloc;

    @Mixin
    FigureOptions figures;

    public static void main(String... args) {
        Cli.exit(new plot_mxq_allocation(), args);
    }

    @Override
    public Integer call() {
        figures.write(AllocationChart.build(alloc.model, alloc.budget, alloc.attempts(), alloc.allocation(), alloc.fnormRows()));
        return 0;
    }
}
