///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Fig. 5: quantization time per method on a log axis, 4-bit configs x models (plot-quant-speed-icaart.R).
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.report.MethodBarsChart;
import org.lmqt.report.MethodBarsCommand;
import picocli.CommandLine.Command;

@Command(name = "plot-quant-speed", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Quantization time (s, log axis) of AWQ, GPTQ, HQQ and MXQ for b4g32, b4g64, b4g128.", "MXQ is the attempt's result at the HQQ config's bit budget (default attempt mxq1)."},
        footer = {"", "Example:", "  ./jbang scripts/plot-quant-speed.java -d ../shared/paper-data/data-vis/data/combined.csv --output-dir figures"})
class plot_quant_speed extends MethodBarsCommand {
    public static void main(String... args) {
        Cli.exit(new plot_quant_speed(), args);
    }

    @Override
    protected MethodBarsChart.Measure measure() {
        return MethodBarsChart.SPEED;
    }

    @Override
    protected String paperAttempt() {
        return "mxq1";
    }
}
