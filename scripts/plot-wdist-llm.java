///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Fig. 2: |w| percentiles per layer and kurtosis of every module of an LLM (plot-wdist-llm.R), as offline Plotly HTML.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.report.FigureOptions;
import org.lmqt.report.WdistChart;
import org.lmqt.report.WdistRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "plot-wdist-llm", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = "Weight distribution (stacked |w| percentiles per layer) and kurtosis per module, 3 panels a row.",
        footer = {"", "Example:", "  ./jbang scripts/plot-wdist-llm.java -m Llama-2-13b-hf -d ../shared/paper-data/data-vis/data/wdist --output-dir figures"})
class plot_wdist_llm implements Callable<Integer> {
    @Option(names = {"-m", "--model-id"}, description = "Short model id (default: ${DEFAULT-VALUE}).")
    String model = "Llama-2-13b-hf";

    @Option(names = {"-d", "--wdist-dir"}, paramLabel = "DIR", description = "Folder of wdist-<model>.csv (default: ${DEFAULT-VALUE}).")
    Path wdistDir = Path.of("data/wdist");

    @Mixin
    FigureOptions figures;

    public static void main(String... args) {
        Cli.exit(new plot_wdist_llm(), args);
    }

    @Override
    public Integer call() {
        figures.write(List.of(WdistChart.build(model, WdistRow.read(wdistDir.resolve("wdist-" + model + ".csv")))));
        return 0;
    }
}
