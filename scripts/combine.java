///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Combine the ppl/, stor/, qnt/ and allot/ result folders into combined.csv and quant-cfg-allocation.csv (combine.R).
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.report.Combine;
import org.lmqt.report.LeaderboardScores;
import org.lmqt.report.TidyCsv;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "combine", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Stacks the harness results of data/{ppl,stor,qnt,allot}/**.csv into combined.csv and",
            "quant-cfg-allocation.csv, as the original's combine.R. The attempt of a result is its folder below mxq/."},
        footer = {"", "Example:", "  ./jbang scripts/combine.java --data-dir ../shared/paper-data/data-vis/data --output-dir out"})
class combine implements Callable<Integer> {
    @Option(names = "--data-dir", paramLabel = "DIR", description = "Folder with ppl/, stor/, qnt/, allot/ (read recursively; default: ${DEFAULT-VALUE}).")
    Path dataDir = Path.of("data");

    @Option(names = {"-b", "--baseline-data-dir"}, paramLabel = "DIR", description = "Baselines: <DIR>/<type>/*.csv, not recursive (with -m).")
    Path baselineDir;

    @Option(names = {"-m", "--mxq-data-dir"}, paramLabel = "DIR", description = "MXQ attempts: <DIR>/<type>/**.csv (with -b).")
    Path mxqDir;

    @Option(names = "--output-dir", paramLabel = "DIR", description = "Where the two CSVs go (default: the data dir).")
    Path outputDir;

    @Option(names = "--leaderboard", paramLabel = "DIR", description = "Also normalize the lm-eval results files "
            + "<model>-<cfg>-<algo>-results.json below DIR (task leaderboard) into leaderboard.csv: ifeval, bbh, "
            + "mathlevel5, gpqa, musr, mmlupro as the original scores them.")
    Path leaderboardDir;

    public static void main(String... args) {
        Cli.exit(new combine(), args);
    }

    @Override
    public Integer call() {
        if ((baselineDir == null) != (mxqDir == null)) {
            throw new IllegalArgumentException("-b/--baseline-data-dir and -m/--mxq-data-dir go together");
        }
        Combine.Result r = baselineDir != null ? Combine.combine(baselineDir, mxqDir) : Combine.combine(dataDir);
        Path out = outputDir != null ? outputDir : (baselineDir != null ? mxqDir : dataDir);
        TidyCsv.write(r.combined(), out.resolve("combined.csv"));
        TidyCsv.write(r.allocation(), out.resolve("quant-cfg-allocation.csv"));
        System.out.println("wrote " + out.resolve("combined.csv") + " (" + r.combined().rowCount() + " rows)");
        System.out.println("wrote " + out.resolve("quant-cfg-allocation.csv") + " (" + r.allocation().rowCount() + " rows)");
        if (leaderboardDir != null) {
            var scores = LeaderboardScores.table(leaderboardDir);
            TidyCsv.write(scores, out.resolve("leaderboard.csv"));
            System.out.println("wrote " + out.resolve("leaderboard.csv") + " (" + scores.rowCount() + " rows)");
        }
        return 0;
    }
}
