///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Win-tie-loss of SensiBoost/KurtBoost against HQQ, MXQ, their ablations and each other (plot-win-tie-loss.R).
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
import org.lmqt.report.ResultRow;
import org.lmqt.report.WinTieLossChart;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "plot-win-tie-loss", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Shares of wins, ties and losses (perplexity rounded to 2 decimals, both datasets) of attempts named",
            "<method>-<stop>-<topm> (sensi-boost-2-1, kurt-boost-3-0, sensi-abl-2-1, ...)."},
        footer = {"", "Example:", "  ./jbang scripts/plot-win-tie-loss.java -f ../shared/paper-data/data-vis/endeavors/boost/data/combined.csv --output-dir figures"})
class plot_win_tie_loss implements Callable<Integer> {
    @Option(names = {"-f", "--ppl-csv-file"}, paramLabel = "CSV", description = "combined.csv with the boost attempts (default: ${DEFAULT-VALUE}).")
    Path csv = Path.of("data/combined.csv");

    @Option(names = "--model", split = ",", description = "Short model ids, one panel each (default: the paper's three).")
    List<String> models = Labels.PAPER_MODELS;

    @Mixin
    FigureOptions figures;

    public static void main(String... args) {
        Cli.exit(new plot_win_tie_loss(), args);
    }

    @Override
    public Integer call() {
        figures.write(List.of(WinTieLossChart.build(ResultRow.read(csv), models)));
        return 0;
    }
}
