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
                + "distribution (median, p95, max in ms) per model: steady state (median of the timed passes after "
                + "the warm-up) and cold (the first pass in a fresh JVM, while the JIT compiles). Single-threaded; "
                + "pin it to one core with 'taskset -c 0' for one-core figures."},
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

    @Option(names = "--warmup", description = "Untimed passes after the cold one (default: ${DEFAULT-VALUE}).")
    int warmup = 2;

    @Option(names = "--repeat", description = "Timed passes; a budget's time is their median (default: "
            + "${DEFAULT-VALUE}).")
    int repeat = 3;

    public static void main(String... args) {
        Cli.exit(new bench_mxq(), args);
    }

    @Override
    public Integer call() throws IOException {
        List<Double> values = Budgets.parse(List.of(String.join(",", Files.readAllLines(budgets).stream()
                .map(String::strip).filter(s -> !s.isEmpty()).toList())));
        MxqOptions options = MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.parse(weightAlgo));
        if (warmup < 0 || repeat < 1) {
            throw new UserException("--warmup must be >= 0 and --repeat >= 1, got " + warmup + " and " + repeat);
        }
        List<Loaded> tables = new ArrayList<>();
        for (Path file : files()) {
            FnormTable table = FnormTable.read(file);
            tables.add(new Loaded(AllotTables.modelName(file.toString()), table, CostFunctions.of(table, options)));
        }
        // Cold: the first pass in a fresh JVM, as a one-off mxq run sees it (the JIT compiles while it runs; on one
        // core the compiler takes turns with the solver). Then untimed warm-up passes and the timed passes; each
        // budget's steady-state time is the median of its timed passes.
        Pass cold = pass(tables, values, options);
        for (int w = 0; w < warmup; w++) {
            pass(tables, values, options);
        }
        List<Pass> timed = new ArrayList<>();
        for (int r = 0; r < repeat; r++) {
            timed.add(pass(tables, values, options));
        }
        System.out.println("model,matrices,budgets,solved_optimal,skipped,median_ms,p95_ms,max_ms,slowest_budget,"
                + "cold_median_ms,cold_p95_ms,cold_max_ms");
        for (int t = 0; t < tables.size(); t++) {
            List<double[]> times = new ArrayList<>(); // {ms, budget}
            List<Double> coldTimes = new ArrayList<>();
            for (int b = 0; b < values.size(); b++) {
                double[] runs = new double[repeat];
                for (int r = 0; r < repeat; r++) {
                    runs[r] = timed.get(r).ms()[t][b];
                }
                Arrays.sort(runs);
                if (!Double.isNaN(runs[0])) {
                    times.add(new double[] {runs[repeat / 2], values.get(b)});
                    coldTimes.add(cold.ms()[t][b]);
                }
            }
            if (times.isEmpty()) {
                throw new UserException("no budget of " + budgets + " is feasible for " + tables.get(t).name());
            }
            times.sort((x, y) -> Double.compare(x[0], y[0]));
            double[] ms = times.stream().mapToDouble(x -> x[0]).toArray();
            double[] coldMs = coldTimes.stream().mapToDouble(Double::doubleValue).sorted().toArray();
            Loaded table = tables.get(t);
            System.out.printf("%s,%d,%d,%d,%d,%.3f,%.3f,%.3f,%s,%.3f,%.3f,%.3f%n", table.name(), table.table().size(),
                    ms.length, timed.get(0).optimal()[t], values.size() - ms.length, quantile(ms, 0.5),
                    quantile(ms, 0.95), ms[ms.length - 1], times.get(times.size() - 1)[1], quantile(coldMs, 0.5),
                    quantile(coldMs, 0.95), coldMs[coldMs.length - 1]);
        }
        return 0;
    }

    /** An FNorm table with its costs. */
    private record Loaded(String name, FnormTable table, double[][] cost) {}

    /**
     * One pass over every table and budget: milliseconds per solve (NaN where the budget is infeasible) and the
     * number of budgets solved to proven optimality within the budget, per table.
     */
    private record Pass(double[][] ms, int[] optimal) {}

    private static Pass pass(List<Loaded> tables, List<Double> values, MxqOptions options) {
        double[][] ms = new double[tables.size()][values.size()];
        int[] optimal = new int[tables.size()];
        for (int t = 0; t < tables.size(); t++) {
            for (int b = 0; b < values.size(); b++) {
                long t0 = System.nanoTime();
                Allocation a = trySolve(tables.get(t).table(), tables.get(t).cost(), values.get(b), options);
                ms[t][b] = a == null ? Double.NaN : (System.nanoTime() - t0) / 1e6;
                optimal[t] += a != null && a.optimal() && a.withinBudget() ? 1 : 0;
            }
        }
        return new Pass(ms, optimal);
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
