///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Download the original toolkit's archived experiment data at the pinned commit into data/paper/ and verify checksums.
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
import org.lmqt.report.PaperData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "fetch-paper-data", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Downloads " + PaperData.URL, "and keeps the result, allocation, FNorm and weight-distribution files",
            "(MIT licence), laid out as in that repository; every file is checked against a recorded SHA-256."},
        footer = {"", "Examples:", "  ./jbang scripts/fetch-paper-data.java", "  ./jbang scripts/fetch-paper-data.java --verify-only --output-dir data/paper"})
class fetch_paper_data implements Callable<Integer> {
    @Option(names = "--output-dir", paramLabel = "DIR", description = "Where the data goes (default: ${DEFAULT-VALUE}).")
    Path outputDir = Path.of("data/paper");

    @Option(names = "--verify-only", description = "Only check the files already in the output dir.")
    boolean verifyOnly;

    public static void main(String... args) {
        Cli.exit(new fetch_paper_data(), args);
    }

    @Override
    public Integer call() {
        List<String> problems = verifyOnly ? PaperData.verify(outputDir) : PaperData.download(outputDir);
        if (!problems.isEmpty()) {
            throw new UserException(problems.size() + " of " + PaperData.manifest().size() + " files are wrong in "
                    + outputDir + ", first: " + problems.get(0));
        }
        System.out.println(PaperData.manifest().size() + " files verified in " + outputDir);
        return 0;
    }
}
