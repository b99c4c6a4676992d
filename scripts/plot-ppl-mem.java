///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Fig. 3: perplexity vs bit budget per model with FP16 reference, 1%/2% bands and memory-reduction axis (plot-ppl-mem.R).
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
import org.lmqt.report.PplMemChart;
import org.lmqt.report.ResultRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "plot-ppl-mem", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = "Perplexity (WikiText2, C4) against bit budget: MXQ of one attempt, baselines as markers, FP16 reference.",
        footer = {"", "Example:", "  ./jbang scripts/plot-ppl-mem.java -d ../shared/paper-data/data-vis/data/combined.csv --model Llama-2-7b-hf --output-dir figures"})
class plot_ppl_mem implements Callable<Integer> {
    @Option(names = {"-d", "--csv-file"}, paramLabel = "CSV", description = "combined.csv (default: ${DEFAULT-VALUE}).")
    Path csv = Path.of("data/combined.csv");

    @Option(names = "--model", split = ",", description = "Short model ids (default: the paper's three).")
    List<String> models = Labels.PAPER_MODELS;

    @Option(names = "--attempt", description = "MXQ attempt drawn (default: ${DEFAULT-VALUE}).")
    String attempt = "mxq1";

    @Option(names = "--min-bpp", description = "Smallest bit budget shown (default: ${DEFAULT-VALUE}).")
    double minBpp = 2.8;

    @Option(names = "--max-bpp", description = "Largest bit budget shown (default: ${DEFAULT-VALUE}).")
    double maxBpp = 8.6;

    @Option(names = "--y-max-factor", description = "Top of the y axis as a multiple of FP16's perplexity (default: 1.2, Llama-3: 1.35).")
    Double yMax;

    @Mixin
    FigureOptions figures;

    public static void main(String... args) {
        Cli.exit(new plot_ppl_mem(), args);
    }

    @Override
    public Integer call() {
        List<ResultRow> rows = ResultRow.read(csv);
        figures.write(models.stream().map(m -> PplMemChart.build(m, rows, new PplMemChart.Options(attempt, minBpp, maxBpp,
                yMax != null ? yMax : PplMemChart.Options.paper(m).yMaxFactor()))).toList());
        return 0;
    }
}
