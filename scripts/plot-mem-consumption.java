///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Fig. 4: GPU memory after loading per method, 4-bit configs x models (plot-mem-consumption.R).
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
import org.lmqt.report.Labels;
import org.lmqt.report.MethodBarsChart;
import org.lmqt.report.ResultRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "plot-mem-consumption", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"GPU memory after loading (GiB) of AWQ, GPTQ, HQQ, MXQ and FP16 for b4g32, b4g64, b4g128.", "The original hard-codes mxq2 and ignores --attempt; here it is honoured."},
        footer = {"", "Example:", "  ./jbang scripts/plot-mem-consumption.java -d ../shared/paper-data/data-vis/data/combined.csv --output-dir figures"})
class plot_mem_consumption implements Callable<Integer> {
    @Option(names = {"-d", "--csv-file"}, paramLabel = "CSV", description = "combined.csv (default: ${DEFAULT-VALUE}).")
    Path csv = Path.of("data/combined.csv");

    @Option(names = "--attempt", description = "MXQ attempt (default: ${DEFAULT-VALUE}).")
    String attempt = "mxq2";

    @Option(names = "--model", split = ",", description = "Short model ids, one column each (default: the paper's three).")
    List<String> models = Labels.PAPER_MODELS;

    @Mixin
    FigureOptions figures;

    public static void main(String... args) {
        Cli.exit(new plot_mem_consumption(), args);
    }

    @Override
    public Integer call() {
        figures.write(List.of(MethodBarsChart.build(MethodBarsChart.MEMORY, ResultRow.read(csv), models, attempt)));
        return 0;
    }
}
