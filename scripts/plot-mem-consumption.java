///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Fig. 4: GPU memory after loading per method, 4-bit configs x models (plot-mem-consumption.R).
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.report.MethodBarsChart;
import org.lmqt.report.MethodBarsCommand;
import picocli.CommandLine.Command;

@Command(name = "plot-mem-consumption", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"GPU memory after loading (GiB) of AWQ, GPTQ, HQQ, MXQ and FP16 for b4g32, b4g64, b4g128.", "The original hard-codes mxq2 and ignores --attempt; here it is honoured (default mxq2)."},
        footer = {"", "Example:", "  ./jbang scripts/plot-mem-consumption.java -d ../shared/paper-data/data-vis/data/combined.csv --output-dir figures"})
class plot_mem_consumption extends MethodBarsCommand {
    public static void main(String... args) {
        Cli.exit(new plot_mem_consumption(), args);
    }

    @Override
    protected MethodBarsChart.Measure measure() {
        return MethodBarsChart.MEMORY;
    }

    @Override
    protected String paperAttempt() {
        return "mxq2";
    }
}
