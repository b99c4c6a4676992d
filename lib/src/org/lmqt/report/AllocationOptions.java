package org.lmqt.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Option;

/** Options of the allocation figures (a picocli mixin), named as in the original's R scripts. */
public final class AllocationOptions {
    @Option(names = {"-m", "--model"}, description = "Short model id (default: ${DEFAULT-VALUE}).")
    public String model = "Llama-2-7b-hf";

    @Option(names = {"-b", "--budget"}, description = "Bit budget (default: ${DEFAULT-VALUE}).")
    public double budget = 4.25;

    @Option(names = {"-d", "--fnorm-data-dir"}, paramLabel = "DIR", description = "Folder of fnorm-<model>.csv (default: ${DEFAULT-VALUE}).")
    public Path fnormDir = Path.of("../src/data");

    @Option(names = {"-q", "--quant-cfg-allot-file"}, paramLabel = "CSV", description = "quant-cfg-allocation.csv (default: ${DEFAULT-VALUE}).")
    public Path allotFile = Path.of("data/quant-cfg-allocation.csv");

    @Option(names = "--attempt1", description = "First attempt; 'hqq' is the HQQ baseline (default: ${DEFAULT-VALUE}).")
    public String attempt1 = "hqq";

    @Option(names = "--attempt2", description = "Second attempt (default: ${DEFAULT-VALUE}).")
    public String attempt2 = "mxq1";

    @Option(names = "--attempt3", description = "Third attempt (default: ${DEFAULT-VALUE}).")
    public String attempt3 = "kurt-scaled";

    @Option(names = "--attempt4", description = "Fourth attempt (default: none).")
    public String attempt4;

    @Option(names = "--fnorm", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "Show FNorm values (needs the FNorm file); --no-fnorm leaves them out (default: ${DEFAULT-VALUE}).")
    public boolean fnorm = true;

    /** The attempts given, in order, without blanks. */
    public List<String> attempts() {
        return Stream.of(attempt1, attempt2, attempt3, attempt4).filter(a -> a != null && !a.isBlank() && !a.equals("none")).toList();
    }

    /** The allocation rows of the allocation file. */
    public List<AllotRow> allocation() {
        return AllotRow.read(allotFile);
    }

    /** The FNorm rows of the model, or none with {@code --no-fnorm}. */
    public List<FnormRow> fnormRows() {
        return fnorm ? FnormRow.read(fnormDir.resolve("fnorm-" + model + ".csv")) : new ArrayList<>();
    }
}
