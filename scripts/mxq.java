///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION MXQ allocation: one quantization config per weight matrix within a bit budget, proven optimal.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.cli.Cli;
import org.lmqt.cli.ProgressBar;
import org.lmqt.cli.UserException;
import org.lmqt.mxq.Allocation;
import org.lmqt.mxq.AllotTables;
import org.lmqt.mxq.Budgets;
import org.lmqt.mxq.CostFunctions;
import org.lmqt.mxq.FnormTable;
import org.lmqt.mxq.Mxq;
import org.lmqt.mxq.MxqOptions;
import org.lmqt.mxq.Objective;
import org.lmqt.io.PandasCsv;
import org.lmqt.mxq.WeightAlgo;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "mxq", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Chooses one of the quantization configs of an FNorm table for every weight matrix so that the "
                + "summed cost is minimal and the average bits per parameter stay within the budget (MXQ, Eq. 1-3). "
                + "The default solver proves optimality with zero gap. Writes quant-cfg-allot-<attempt>.csv and "
                + "mxq-objectives-<attempt>.csv into --output-dir."},
        footer = {"", "Example:",
                "  ./jbang scripts/mxq.java --fnorm ../shared/paper-data/src/data/fnorm-Llama-2-7b-hf.csv --budget 4.25",
                "  ./jbang scripts/mxq.java --model meta-llama/Llama-2-7b-hf --fnorm-dir ../shared/paper-data/src/data "
                        + "--budget 3.00:8.50:0.02 --output-dir out",
                "  ./jbang scripts/mxq.java --fnorm ../shared/paper-data/src/data/fnorm-Llama-2-7b-hf.csv --budget 4.25 "
                        + "--weight-algo kurt-boost --boost-stop 2 --top-m-layer 1",
                "  ./jbang scripts/mxq.java --fnorm out/meta/fnorm-tiny-llama-gptq.csv --budget 4.25 --objective output "
                        + "--attempt gptq-output"})
class mxq implements Callable<Integer> {

    static class Source {
        @Option(names = "--fnorm", paramLabel = "FILE", description = "FNorm CSV (fnorm-<model>.csv).")
        Path fnorm;

        @Option(names = "--model", paramLabel = "ID", description = "Model id (org/name); reads <fnorm-dir>/fnorm-<name>.csv.")
        String model;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Source source;

    @Option(names = "--fnorm-dir", description = "Folder of FNorm tables for --model (default: ${DEFAULT-VALUE}).")
    Path fnormDir = Path.of("data");

    @Option(names = "--budget", required = true, split = ",", paramLabel = "BITS",
            description = "Budgets in bits per parameter: values, comma lists, ranges start:stop:step, or the original's "
                    + "default lists llm and vit (the 18 ViT budgets 7.80 ... 3.00, for CLIP FNorm tables).")
    List<String> budgets;

    @Option(names = "--objective", paramLabel = "weight|output", description = "Error to minimise: weight (column "
            + "fnorm, default) or output (column output_fnorm of a dump-fnorm --method gptq|awq table).")
    String objective = "weight";

    @Option(names = "--weight-algo", description = "fnorm (default), kurt-scaled, kurt-global, head-prioritized, "
            + "tail-prioritized, sensi-milp, kurt-milp, sensi-boost, kurt-boost, sensi-directive.")
    String weightAlgo = "fnorm";

    @Option(names = "--factor", description = "Cost factor of head/tail layers and MiLP outliers (default: ${DEFAULT-VALUE}).")
    double factor = MxqOptions.DEFAULTS.factor();

    @Option(names = "--top-m-layer", description = "Outliers per module, 0 = all (default: ${DEFAULT-VALUE}).")
    int topMLayer = MxqOptions.DEFAULTS.topMLayer();

    @Option(names = "--ablation", description = "MiLP variants: no outliers; boost variants: random layers (--seed).")
    boolean ablation;

    @Option(names = "--boost-stop", description = "Ladder steps up for boosted layers (default: ${DEFAULT-VALUE}).")
    int boostStop = 1;

    @Option(names = "--decline-stop", description = "Ladder steps down for declined layers (default: ${DEFAULT-VALUE}).")
    int declineStop = 1;

    @Option(names = "--boost-layer", split = ",", description = "sensi-directive: layers boosted in every module.")
    List<Integer> boostLayers = List.of();

    @Option(names = "--decline-layer", split = ",", description = "sensi-directive: layers declined in every module.")
    List<Integer> declineLayers = List.of();

    @Option(names = "--tolerance-pct", description = "Extra memory budget in percent (default: ${DEFAULT-VALUE}).")
    double tolerancePct;

    @Option(names = "--seed", description = "Seed of the random boost ablation (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--solver", description = "exact (proven optimal, default) or ojalgo (general MiLP cross-check).")
    MxqOptions.Solver solver = MxqOptions.Solver.EXACT;

    @Option(names = "--time-limit", description = "Seconds per budget for --solver ojalgo (default: ${DEFAULT-VALUE}).")
    double timeLimit = 120;

    @Option(names = "--checkpoint", paramLabel = "DIR|ID",
            description = "Checkpoint whose total parameter count fills params_all_tot (empty without).")
    String checkpoint;

    @Option(names = "--attempt", description = "Name in the output files (default: the weight algo).")
    String attempt;

    @Option(names = "--output-dir", description = "Where to write the CSVs (default: ${DEFAULT-VALUE}).")
    Path outputDir = Path.of(".");

    public static void main(String... args) {
        Cli.exit(new mxq(), args);
    }

    @Override
    public Integer call() {
        Path file = source.fnorm != null ? source.fnorm
                : fnormDir.resolve("fnorm-" + source.model.substring(source.model.lastIndexOf('/') + 1) + ".csv");
        FnormTable table = Objective.parse(objective).apply(FnormTable.read(file));
        String model = AllotTables.modelName(file.getFileName().toString());
        MxqOptions options = MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.parse(weightAlgo)).withFactor(factor)
                .withTopMLayer(topMLayer).withAblation(ablation).withBoostStop(boostStop)
                .withDeclineStop(declineStop).withBoostLayers(boostLayers).withDeclineLayers(declineLayers)
                .withTolerancePct(tolerancePct).withSeed(seed).withSolver(solver).withTimeLimitSeconds(timeLimit);
        List<Double> values = Budgets.parse(budgets);
        double[][] cost = CostFunctions.of(table, options);
        List<Allocation> results = new ArrayList<>();
        try (ProgressBar bar = new ProgressBar("mxq " + model, values.size())) {
            for (double b : values) {
                results.add(Mxq.solve(table, cost, b, options));
                bar.step();
            }
        }
        Long allParams = checkpoint == null ? null : totalParams(checkpoint);
        String name = attempt != null ? attempt : options.weightAlgo().cliName();
        Path allot = outputDir.resolve("quant-cfg-allot-" + name + ".csv");
        Path objectives = outputDir.resolve("mxq-objectives-" + name + ".csv");
        PandasCsv.write(AllotTables.allocation(model, results, allParams), allot);
        PandasCsv.write(AllotTables.objectives(model, results), objectives);
        for (Allocation a : results) {
            System.out.printf("%s budget %s: objective %s, memory %.6f of %.6f MiB, %s, %.1f ms%n", model,
                    a.problem().budget(), a.objective(), a.memoryMiB(), a.problem().budgetMiB(),
                    a.optimal() ? "proven optimal" : options.weightAlgo().ruleBased() ? "rule-based" : "not proven optimal",
                    a.solveSeconds() * 1000);
        }
        System.out.println("wrote " + allot + " and " + objectives);
        return 0;
    }

    private static long totalParams(String pathOrId) {
        try (Checkpoint ckpt = Checkpoint.open(pathOrId)) {
            return ckpt.tensorNames().stream().mapToLong(ckpt::numel).sum();
        } catch (RuntimeException e) {
            throw new UserException("cannot count the parameters of checkpoint " + pathOrId + ": " + Cli.oneLine(e), e);
        }
    }
}
