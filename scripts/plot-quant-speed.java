///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Fig. 5: quantization time per method on a log axis, 4-bit configs x models (plot-quant-speed-icaart.R).
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

@Command(name = "plot-quant-speed", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Quantization time (s, log axis) of AWQ, GPTQ, HQQ and MXQ for b4g32, b4g64, b4g128.", "MXQ is the attempt's result at the HQQ config's bit budget."},
        footer = {"", "Example:", "  ./jbang scripts/plot-quant-speed.java -d ../shared/paper-data/data-vis/data/combined.csv --output-dir figures"})
class plot_quant_speed implements Callable<Integer> {
    @Option(names = {"-d", "--csv-file"}, paramLabel = "CSV", description = "combined.csv (default: ${DEFAULT-VALUE}).")
    Path csv = Path.of("data/combined.csv");

    @Option(names = "--attempt", description = "MXQ attempt (default: ${DEFAULT-VALUE}).")
    String attempt = "mxq1";

    @Option(names = "--model", split = ",", description = "Short model ids, one column each (default: the paper's three).")
    List<String> models = Labels.PAPER_MODELS;

    @Mixin
    FigureOptions figures;

    public static void main(String... args) {
        Cli.exit(new plot_quant_speed(), args);
    }

    @Override
    public Integer call() {
        figures.write(List.of(MethodBarsChart.build(MethodBarsChart.SPEED, ResultRow.read(csv), models, attempt)));
        return 0;
    }
}
