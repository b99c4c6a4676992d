package org.lmqt.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.Perplexity;
import org.lmqt.harness.Algo;
import org.lmqt.harness.Harness;
import org.lmqt.harness.ModelRef;
import org.lmqt.harness.ModelRunner;
import org.lmqt.harness.Plan;
import org.lmqt.harness.PplDataset;
import org.lmqt.harness.Task;
import org.lmqt.io.PandasCsv;
import org.lmqt.metadata.MetadataDump;
import org.lmqt.metadata.MetadataKind;
import org.lmqt.model.ByteLevelTokenizerJson;
import org.lmqt.mxq.Allocation;
import org.lmqt.mxq.AllotTables;
import org.lmqt.mxq.FnormTable;
import org.lmqt.mxq.Mxq;
import org.lmqt.mxq.MxqOptions;
import org.lmqt.report.AllocationChart;
import org.lmqt.report.AllotRow;
import org.lmqt.report.Chart;
import org.lmqt.report.FnormRow;
import org.lmqt.report.WdistChart;
import org.lmqt.report.WdistRow;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.selection.Selection;

/**
 * The README's main job on its embedded default: a tiny Llama checkpoint, its metadata (FNorm, kurtosis,
 * weight distribution), its MXQ allocation at {@link #BUDGET} bits, quantization (HQQ b4g64 and that
 * MXQ allocation) and perplexity through the experiment harness, and figures. Every step skips work that is already complete, so a rerun resumes.
 *
 * @param outputDir root of everything the pipeline writes
 * @param model     the tiny model to generate
 * @param corpus    text file for perplexity
 * @param threads   worker threads
 */
public record Pipeline(Path outputDir, TinyLlama model, Path corpus, int threads) {

    /** One finished step: its name, what it wrote, and whether it was already done. */
    public record StepResult(String step, Path output, boolean skipped) {}

    public Pipeline {
        if (!Files.isRegularFile(corpus)) {
            throw new IllegalArgumentException("no such text file: " + corpus);
        }
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be at least 1");
        }
    }

    /** Folder of the generated checkpoint. */
    public Path modelDir() {
        return outputDir.resolve("tiny-llama");
    }

    /** Folder of the metadata CSVs. */
    public Path dataDir() {
        return outputDir.resolve("data");
    }

    /** Runs every step and returns what each did. */
    public List<StepResult> run() {
        List<StepResult> results = new ArrayList<>();
        // 1. the tiny model with a byte-level tokenizer (each file atomic; config.json last, so it means complete)
        boolean haveModel = Files.isRegularFile(modelDir().resolve("config.json"))
                && Files.isRegularFile(modelDir().resolve("model.safetensors"))
                && Files.isRegularFile(modelDir().resolve("tokenizer.json"));
        if (!haveModel) {
            ByteLevelTokenizerJson.write(modelDir(), model.vocab());
            model.write(modelDir());
        }
        results.add(new StepResult("model", modelDir(), haveModel));
        // 2. metadata tables
        try (Checkpoint ckpt = Checkpoint.open(modelDir())) {
            for (MetadataKind kind : MetadataKind.values()) {
                MetadataDump.Outcome o = MetadataDump.write(kind, ckpt, dataDir(), threads, false);
                results.add(new StepResult(kind.name().toLowerCase(), o.file(), o.skipped()));
            }
        }
        // 3. MXQ allocation at the budget (proven optimal), in the original's quant-cfg-allot schema
        results.add(allocate());
        // 4. quantize (HQQ b4g64, MXQ at the budget) and evaluate perplexity next to the unquantized model
        results.add(experiment());
        // 5. figures: weight distribution (paper Fig. 2) and the MXQ allocation (Figs. 6-7), HTML + tidy CSV
        results.add(figures());
        return results;
    }

    /** The text the main job measures perplexity on: the first chapter of Moby-Dick (public domain), shipped. */
    public static final Path CORPUS = Path.of("data", "corpus", "moby-dick-chapter-1.txt");

    /** Folder of the experiment's results (the harness's result dir). */
    public Path resultDir() {
        return outputDir.resolve("results");
    }

    private StepResult experiment() {
        List<Algo> algos = List.of(Algo.FP16, Algo.HQQ, Algo.MXQ);
        List<String> configs = List.of("b4g64", String.format(java.util.Locale.ROOT, "%.2f", BUDGET));
        Plan plan = Plan.of(List.of(ModelRef.parse(modelDir().toString())), algos, configs, Task.EVAL_PPL);
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(outputDir.resolve("snapshots"), dataDir(),
                MxqOptions.DEFAULTS, List.of(PplDataset.parse(corpus.toString())), new Perplexity(256, 128),
                java.util.OptionalInt.empty(), ComputeDevice.fromEnvironment(), threads));
        Harness.Outcome o = new Harness(new Harness.Settings(resultDir(), "pipeline", true, false), runner, System.out)
                .run(plan);
        return new StepResult("evaluate", o.result().orElse(resultDir()), o.ran() == 0);
    }

    /** Folder of the figures. */
    public Path figuresDir() {
        return outputDir.resolve("figures");
    }

    private StepResult figures() {
        String model = modelDir().getFileName().toString();
        Chart wdist = WdistChart.build(model, WdistRow.read(dataDir().resolve(MetadataKind.WDIST.fileName(model))));
        if (Files.isRegularFile(wdist.csv(figuresDir()))) {
            return new StepResult("figures", figuresDir(), true);
        }
        Table allot = Table.read().csv(allocationFile().toFile());
        allot.insertColumn(0, StringColumn.create("attempt", allot.rowCount()).set(Selection.withRange(0, allot.rowCount()), "mxq"));
        List<Chart> charts = new ArrayList<>(AllocationChart.build(model, BUDGET, List.of("mxq"),
                AllotRow.of(allot, allocationFile()),
                FnormRow.read(dataDir().resolve(MetadataKind.FNORM.fileName(model)))));
        charts.add(wdist);   // last: its CSV marks the step as done
        charts.forEach(c -> c.write(figuresDir()));
        return new StepResult("figures", figuresDir(), false);
    }

    /** Budget of the main job's MXQ allocation, in bits per parameter. */
    public static final double BUDGET = 4.25;

    /** The allocation CSV of the main job. */
    public Path allocationFile() {
        return dataDir().resolve("quant-cfg-allot-mxq.csv");
    }

    private StepResult allocate() {
        Path allot = allocationFile();
        Path objectives = dataDir().resolve("mxq-objectives-mxq.csv");
        if (Files.isRegularFile(allot) && Files.isRegularFile(objectives)) {
            return new StepResult("mxq", allot, true);
        }
        Path fnorm = dataDir().resolve(MetadataKind.FNORM.fileName(modelDir().getFileName().toString()));
        FnormTable table = FnormTable.read(fnorm);
        String name = AllotTables.modelName(fnorm.getFileName().toString());
        List<Allocation> solved = List.of(Mxq.solve(table, BUDGET, MxqOptions.DEFAULTS));
        PandasCsv.write(AllotTables.objectives(name, solved), objectives);
        PandasCsv.write(AllotTables.allocation(name, solved, null), allot);   // last: its presence means done
        return new StepResult("mxq", allot, false);
    }
}
