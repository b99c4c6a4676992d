package org.lmqt.report;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import org.lmqt.cli.ProgressBar;
import org.lmqt.cli.UserException;

/**
 * Every figure of the paper (Figs. 2-7) plus the circular allocation and win-tie-loss charts, for the three
 * models, from the original's archived data laid out as in its repository ({@code data-vis/data/...},
 * {@code data-vis/endeavors/boost/data/combined.csv}, {@code src/data/fnorm-*.csv}). {@code combined.csv} and
 * {@code quant-cfg-allocation.csv} are rebuilt from the result folders first, as {@code combine.R} would.
 */
public final class PaperFigures {
    /** Bit budget of the allocation and circular charts. */
    public static final double ALLOCATION_BUDGET = 4.25;
    /** Attempts of the allocation and circular charts. */
    public static final List<String> ALLOCATION_ATTEMPTS = List.of("hqq", "mxq1", "kurt-scaled");

    private PaperFigures() {}

    /** The inputs under a paper-data root. */
    public record Inputs(Path root) {
        public Path data() {
            return root.resolve("data-vis/data");
        }

        public Path wdist(String model) {
            return data().resolve("wdist/wdist-" + model + ".csv");
        }

        public Path fnorm(String model) {
            return root.resolve("src/data/fnorm-" + model + ".csv");
        }

        public Path boostCombined() {
            return root.resolve("data-vis/endeavors/boost/data/combined.csv");
        }

        /** Fails with one line when the root does not look like the original's data. */
        public Inputs check() {
            for (Path p : List.of(data().resolve("ppl"), data().resolve("allot"), data().resolve("wdist"))) {
                if (!Files.isDirectory(p)) {
                    throw new UserException(root + " is not the original's paper data (missing " + root.relativize(p)
                            + "); fetch it with ./jbang fetch-paper-data");
                }
            }
            return this;
        }
    }

    /** Writes every chart (HTML + tidy CSV), {@code combined.csv} and {@code quant-cfg-allocation.csv} into {@code out}. */
    public static List<Path> reproduce(Path paperData, Path out, boolean progress) {
        Inputs in = new Inputs(paperData).check();
        Combine.Result combined = Combine.combine(in.data());
        List<ResultRow> results = ResultRow.of(combined.combined(), in.data());
        List<AllotRow> allocation = AllotRow.of(combined.allocation(), in.data());
        List<Supplier<List<Chart>>> jobs = new ArrayList<>();
        for (String model : Labels.PAPER_MODELS) {
            jobs.add(() -> List.of(WdistChart.build(model, WdistRow.read(in.wdist(model)))));
            jobs.add(() -> List.of(PplMemChart.build(model, results, PplMemChart.Options.paper(model))));
        }
        // the original's memory figure uses mxq2 (hard-coded), its paper speed figure mxq1
        jobs.add(() -> List.of(MethodBarsChart.build(MethodBarsChart.MEMORY, results, Labels.PAPER_MODELS, "mxq2")));
        jobs.add(() -> List.of(MethodBarsChart.build(MethodBarsChart.SPEED, results, Labels.PAPER_MODELS, "mxq1")));
        for (String model : Labels.PAPER_MODELS) {
            jobs.add(() -> {
                List<FnormRow> fnorm = FnormRow.read(in.fnorm(model));
                List<Chart> charts = new ArrayList<>(AllocationChart.build(model, ALLOCATION_BUDGET, ALLOCATION_ATTEMPTS, allocation, fnorm));
                charts.add(CircosChart.build(model, ALLOCATION_BUDGET, ALLOCATION_ATTEMPTS, allocation, fnorm, results));
                return charts;
            });
        }
        jobs.add(() -> List.of(WinTieLossChart.build(ResultRow.read(in.boostCombined()), Labels.PAPER_MODELS)));

        List<Path> written = new ArrayList<>();
        TidyCsv.write(combined.combined(), out.resolve("combined.csv"));
        TidyCsv.write(combined.allocation(), out.resolve("quant-cfg-allocation.csv"));
        written.add(out.resolve("combined.csv"));
        written.add(out.resolve("quant-cfg-allocation.csv"));
        try (ProgressBar bar = progress ? new ProgressBar("figures", jobs.size()) : null) {
            for (Supplier<List<Chart>> job : jobs) {
                for (Chart c : job.get()) {
                    written.addAll(c.write(out));
                }
                if (bar != null) {
                    bar.step();
                }
            }
        }
        return written;
    }
}
