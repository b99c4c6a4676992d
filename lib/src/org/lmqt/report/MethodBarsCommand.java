package org.lmqt.report;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options and body shared by {@code plot-mem-consumption} (Fig. 4) and {@code plot-quant-speed} (Fig. 5): one
 * measure of every method for the 4-bit configs, from {@code combined.csv}.
 */
public abstract class MethodBarsCommand implements Callable<Integer> {
    @Option(names = {"-d", "--csv-file"}, paramLabel = "CSV", description = "combined.csv (default: ${DEFAULT-VALUE}).")
    protected Path csv = Path.of("data/combined.csv");

    @Option(names = "--attempt", description = "MXQ attempt (default: the paper's, see above).")
    protected String attempt;

    @Option(names = "--model", split = ",", description = "Short model ids, one column each (default: the paper's three).")
    protected List<String> models = Labels.PAPER_MODELS;

    @Mixin
    protected FigureOptions figures;

    /** What the bars show. */
    protected abstract MethodBarsChart.Measure measure();

    /** The MXQ attempt of the paper's figure. */
    protected abstract String paperAttempt();

    @Override
    public Integer call() {
        String a = attempt == null ? paperAttempt() : attempt;
        figures.write(List.of(MethodBarsChart.build(measure(), ResultRow.read(csv), models, a)));
        return 0;
    }
}
