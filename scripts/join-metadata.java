///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Join kurtosis (with kurtosis_scaled) and/or block-part sensitivity into FNorm tables: fnorm-<model>.csv.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.metadata.MetadataJoin;
import org.lmqt.metadata.SensitivityJoin;
import org.lmqt.mxq.FnormTable;
import tech.tablesaw.api.Table;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "join-metadata", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Join kurtosis (with kurtosis_scaled) and/or block-part sensitivity into FNorm tables: fnorm-<model>.csv.",
                "Builds the columns the MXQ variants read: kurtosis and kurtosis_scaled (per-module min-max over the "
                        + "layers) from a wdist or kurtosis table, as the original's join_kurtosis; sensitivity per "
                        + "block part from a sensitivity CSV, as apportion-sensi.R (raw values, its -c; or outlier "
                        + "factors with --factor). The model id comes from the file name fnorm-<model>.csv."},
        footer = {"", "Example:",
                "  ./jbang scripts/join-metadata.java \\",
                "      --fnorm ../shared/paper-data/src/data/fnorm-Llama-2-7b-hf.csv \\",
                "      --kurtosis ../shared/paper-data/data-vis/data/wdist \\",
                "      --sensitivity ../shared/paper-data/data-vis/data/llama-sensitivity.csv \\",
                "      --output-dir out/meta",
                "  ./jbang scripts/mxq.java --fnorm out/meta/fnorm-Llama-2-7b-hf.csv \\",
                "      --budget 4.25 --weight-algo kurt-scaled"})
class join_metadata implements Callable<Integer> {

    @Option(names = "--fnorm", required = true, arity = "1..*", paramLabel = "FILE",
            description = "FNorm tables fnorm-<model>.csv (one or more).")
    List<Path> fnorm;

    @Option(names = "--kurtosis", paramLabel = "FILE|DIR",
            description = "Kurtosis source: a wdist-<model>.csv or kurtosis-<model>.csv file (one FNorm table), or a "
                    + "folder holding one per model (wdist preferred).")
    Path kurtosis;

    @Option(names = "--sensitivity", paramLabel = "FILE",
            description = "Block-part sensitivity CSV (dataset,part,model,nbits,group_size,layer,sensitivity).")
    Path sensitivity;

    @Option(names = "--factor", arity = "0..1", fallbackValue = "2.0", paramLabel = "F",
            description = "Store F (alone: 2.0) where |s - mean|/sd > 3 over the model's rows and 1 elsewhere, "
                    + "instead of the raw sensitivity (the original without -c).")
    Double factor;

    @Option(names = "--dataset", description = "Sensitivity measured on (default: ${DEFAULT-VALUE}).")
    String dataset = SensitivityJoin.Options.DEFAULTS.dataset();

    @Option(names = "--nbits", description = "Sensitivity measured at bits (default: ${DEFAULT-VALUE}).")
    int nbits = SensitivityJoin.Options.DEFAULTS.nbits();

    @Option(names = "--group-size", description = "Sensitivity measured at group size (default: ${DEFAULT-VALUE}).")
    int groupSize = SensitivityJoin.Options.DEFAULTS.groupSize();

    @Option(names = "--output-dir", paramLabel = "DIR", description = "Where fnorm-<model>.csv go (default: ${DEFAULT-VALUE}).")
    Path outputDir = Path.of("data");

    public static void main(String... args) {
        Cli.exit(new join_metadata(), args);
    }

    @Override
    public Integer call() {
        SensitivityJoin.Options options = SensitivityJoin.Options.DEFAULTS.withMeasurement(dataset, nbits, groupSize);
        if (factor != null) {
            options = options.withOutlierFactor(factor);
        }
        MetadataJoin job = new MetadataJoin(fnorm, Optional.ofNullable(kurtosis), Optional.ofNullable(sensitivity),
                options, outputDir);
        List<Table> joined = job.join();
        joined.forEach(FnormTable::of);     // every result must be an FNorm table MXQ reads, before any is written
        for (MetadataJoin.Outcome o : job.write(joined)) {
            System.out.println(o.file() + ": " + o.rows() + " rows, columns " + String.join(",", o.columns()));
        }
        return 0;
    }
}
