///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION ViT accuracy (zero-shot, linear probe; top-1, top-5) against bit budget: MXQ, HQQ, FP16 reference.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.io.AtomicFiles;
import org.lmqt.report.FigureOptions;
import org.lmqt.report.VitAccuracyChart;
import org.lmqt.report.VitRow;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "plot-vit", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"ViT accuracy (zero-shot, linear probe; top-1, top-5) against bit budget: MXQ, HQQ, FP16 reference.",
                "The original's plot-mxq-vit.R, from the archived data/vit/combined.csv or from quant-vit result files "
                        + "(--results), which --write-combined turns into a combined.csv as combine-vit.R does."},
        footer = {"", "Example:", "  ./jbang scripts/plot-vit.java -d ../shared/paper-data/data-vis/data/vit/combined.csv "
                + "--model CLIP-ViT-H-14-laion2B-s32B-b79K --output-dir figures"})
class plot_vit implements Callable<Integer> {
    @Option(names = {"-d", "--csv-file"}, paramLabel = "CSV", description = "combined.csv (default: ${DEFAULT-VALUE}).")
    Path csv = Path.of("data/vit/combined.csv");

    @Option(names = "--results", arity = "1..*", paramLabel = "CSV", description = "quant-vit result-*.csv files to "
            + "draw instead of --csv-file (zero-shot and linear-probe rows of one config are merged).")
    List<Path> results = List.of();

    @Option(names = "--write-combined", paramLabel = "CSV", description = "Also write the rows read as combined.csv.")
    Path writeCombined;

    @Option(names = "--model", split = ",", description = "Short model ids (default: ${DEFAULT-VALUE}).")
    List<String> models = List.of("CLIP-ViT-H-14-laion2B-s32B-b79K");

    @Mixin
    FigureOptions figures;

    public static void main(String... args) {
        Cli.exit(new plot_vit(), args);
    }

    @Override
    public Integer call() {
        List<VitRow> rows = results.isEmpty() ? VitRow.readCombined(csv) : VitRow.fromResults(results);
        if (writeCombined != null) {
            AtomicFiles.writeString(writeCombined, VitRow.toCsv(rows));
            System.out.println("wrote " + writeCombined);
        }
        try {
            figures.write(models.stream().map(m -> VitAccuracyChart.build(m, rows)).toList());
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        return 0;
    }
}
