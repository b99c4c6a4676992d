///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Benchmark the exact MXQ solver: every FNorm table x every budget, time distribution per model.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.mxq.Allocation;
import org.lmqt.mxq.AllotTables;
import org.lmqt.mxq.Budgets;
import org.lmqt.mxq.CostFunctions;
import org.lmqt.mxq.FnormTable;
import org.lmqt.mxq.Mxq;
import org.lmqt.mxq.MxqOptions;
import org.lmqt.mxq.WeightAlgo;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "bench-mxq", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Solves every budget for every FNorm table with the exact solver and prints the solve-time "
                + "distribution (median, p95, max in ms) per model, after an untimed warm-up pass. Single-threaded; pin it to one core with "
                + "'taskset -c 0' for one-core figures."},
        footer = {"", "Example:", "  ./jbang scripts/bench-mxq.java --budgets ../shared/paper-data/utils/dense.txt "
                + "../shared/paper-data/src/data"})
class bench_mxq implements Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "FNORM", description = "FNorm CSV files or folders holding fnorm-*.csv.")
    List<Path> inputs;

    @Option(names = "--budgets", description = "File with one budget per line (default: ${DEFAULT-VALUE}).")
    Path budgets = Path.of("../shared/paper-data/utils/dense.txt");

    @Option(names = "--weight-algo", description = "Variant to solve (default: ${DEFAULT-VALUE}).")
    String weightAlgo = "fnorm";

    @Option(names = "--include-vit", description = "Also solve the CLIP tables (skipped by default).")
    boolean includeVit;

    public static void main(String... args) {
        Cli.exit(new bench_mxq(), args);
    }

    @Override
    public Integer call() throws IOException {
        List<Double> values = Budgets.parse(List.of(String.join(",", Files.readAllLines(budgets).stream()
                .map(String::strip).filter(s -> !s.isEmpty()).toList())));
        MxqOptions options = MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.parse(weightAlgo));
        System.out.println("model,matrices,budgets,solved_optimal,skipped,median_ms,p95_ms,max_ms,slowest_budget");
        List<Path> files = files();
        // Warm-up: one untimed pass over every table and budget, so the timed pass sees the JIT's steady state (on
        // one core the first few hundred solves run partly interpreted while the compiler shares the core).
        for (Path file : files) {
            FnormTable table = FnormTable.read(file);
            double[][] cost = CostFunctions.of(table, options);
            for (double b : values) {
                trySolve(table, cost, b, options);
            }
        }
        for (Path file : files) {
            FnormTable table = FnormTable.read(file);
            double[][] cost = CostFunctions.of(table, options);
            List<double[]> times = new ArrayList<>(); // {ms, budget}
            int optimal = 0;
            int skipped = 0;
            for (double b : values) {
                long t0 = System.nanoTime();
                Allocation a = trySolve(table, cost, b, options);
                double ms = (System.nanoTime() - t0) / 1e6;
                if (a == null) {
                    skipped++;
                    continue;
                }
                optimal += a.optimal() && a.withinBudget() ? 1 : 0;
                times.add(new double[] {ms, b});
            }
            times.sort((x, y) -> Double.compare(x[0], y[0]));
            double[] ms = times.stream().mapToDouble(t -> t[0]).toArray();
            System.out.printf("%s,%d,%d,%d,%d,%.3f,%.3f,%.3f,%s%n", AllotTables.modelName(file.toString()),
                    table.size(), times.size(), optimal, skipped, quantile(ms, 0.5), quantile(ms, 0.95),
                    ms[ms.length - 1], times.get(times.size() - 1)[1]);
        }
        return 0;
    }

    private static Allocation trySolve(FnormTable table, double[][] cost, double budget, MxqOptions options) {
        try {
            return Mxq.solve(table, cost, budget, options);
        } catch (UserException e) {
            return null; // budget outside the feasible range
        }
    }

    private static double quantile(double[] sorted, double q) {
        double pos = (sorted.length - 1) * q;
        int lo = (int) Math.floor(pos);
        int hi = Math.min(lo + 1, sorted.length - 1);
        return sorted[lo] + (pos - lo) * (sorted[hi] - sorted[lo]);
    }

    private List<Path> files() throws IOException {
        List<Path> out = new ArrayList<>();
        for (Path p : inputs) {
            if (Files.isDirectory(p)) {
                try (Stream<Path> s = Files.list(p)) {
                    s.filter(f -> f.getFileName().toString().matches("fnorm-.*\\.csv"))
                            .filter(f -> includeVit || !f.getFileName().toString().contains("CLIP")).sorted()
                            .forEach(out::add);
                }
            } else {
                out.add(p);
            }
        }
        if (out.isEmpty()) {
            throw new UserException("no fnorm-*.csv found in " + inputs);
        }
        return out;
    }
}
