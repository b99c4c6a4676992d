package org.lmqt.pipeline;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
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
import org.lmqt.metadata.MetadataJoin;
import org.lmqt.metadata.MetadataKind;
import org.lmqt.metadata.SensitivityJoin;
import org.lmqt.model.ByteLevelTokenizerJson;
import org.lmqt.mxq.Allocation;
import org.lmqt.mxq.AllotTables;
import org.lmqt.mxq.FnormTable;
import org.lmqt.mxq.Mxq;
import org.lmqt.mxq.MxqOptions;
import org.lmqt.mxq.WeightAlgo;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.report.AllocationChart;
import org.lmqt.report.AllotRow;
import org.lmqt.report.Chart;
import org.lmqt.report.FnormRow;
import org.lmqt.report.PplMemChart;
import org.lmqt.report.WdistChart;
import org.lmqt.report.WdistRow;
import org.lmqt.sensitivity.SensitivityDump;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;
import tech.tablesaw.selection.Selection;

/**
 * The README's main job on its embedded default: a tiny Llama checkpoint, its metadata (FNorm, kurtosis,
 * weight distribution), the sensitivity of its block parts on the corpus, the joins that put kurtosis and
 * sensitivity into the FNorm table, its MXQ allocation at {@link #BUDGET} bits, quantization (HQQ b4g64, MXQ,
 * SensiBoost and KurtBoost at the budget, and the calibrated baselines bitsandbytes NF4, GPTQ and AWQ at b4g64) and
 * perplexity through the experiment harness, and figures. Every step
 * skips work that is already complete, so a rerun resumes.
 *
 * @param outputDir root of everything the pipeline writes
 * @param model     the tiny model to generate
 * @param corpus    text file for perplexity
 * @param threads   worker threads
 * @param device    where models run
 */
public record Pipeline(Path outputDir, TinyLlama model, Path corpus, int threads, ComputeDevice device) {

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
                MetadataDump.Outcome o = MetadataDump.write(kind, ckpt, dataDir(), threads, false, device);
                results.add(new StepResult(kind.name().toLowerCase(), o.file(), o.skipped()));
            }
        }
        // 2b. sensitivity of every block part on the corpus (the original's dump.py sensi), resumable
        long before = modified(sensitivityFile());
        new SensitivityDump(List.of(modelDir().toString()), QuantMethod.HQQ, List.of(SENSI_CONFIG),
                List.of(corpus.toString()), sensitivityFile(), device, true).run();
        results.add(new StepResult("sensi", sensitivityFile(), before == modified(sensitivityFile())));
        // 2c. kurtosis and sensitivity joined into the FNorm table the MXQ variants read
        results.add(join());
        // 3. MXQ allocation at the budget (proven optimal), in the original's quant-cfg-allot schema
        results.add(allocate());
        // 4. quantize (HQQ b4g64, MXQ at the budget) and evaluate perplexity next to the unquantized model
        results.add(experiment());
        // 4b. the rule-based variants SensiBoost and KurtBoost at the budget, each with its own snapshot root
        for (WeightAlgo variant : VARIANTS) {
            results.add(variant(variant));
        }
        // 4c. the calibrated baselines at 4 bits: bitsandbytes NF4, GPTQ and AWQ (calibrated on the corpus itself)
        results.add(baselines());
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

    /** The sensitivity CSV of the main job. */
    public Path sensitivityFile() {
        return dataDir().resolve("sensi-" + modelDir().getFileName() + ".csv");
    }

    /** Folder of the joined FNorm tables (kurtosis, kurtosis_scaled, sensitivity). */
    public Path joinedDir() {
        return dataDir().resolve("joined");
    }

    /** The config whose sensitivity the variants use (the original's pileval b4g64 measurement). */
    static final QuantConfig SENSI_CONFIG = new QuantConfig(4, 64);

    /** The rule-based variants the main job evaluates next to plain MXQ. */
    static final List<WeightAlgo> VARIANTS = List.of(WeightAlgo.SENSI_BOOST, WeightAlgo.KURT_BOOST);

    private StepResult join() {
        String model = modelDir().getFileName().toString();
        Path out = joinedDir().resolve(MetadataKind.FNORM.fileName(model));
        if (Files.isRegularFile(out) && modified(out) >= modified(sensitivityFile())) {
            return new StepResult("join", out, true);
        }
        MetadataJoin join = new MetadataJoin(List.of(dataDir().resolve(MetadataKind.FNORM.fileName(model))),
                Optional.of(dataDir().resolve(MetadataKind.WDIST.fileName(model))), Optional.of(sensitivityFile()),
                SensitivityJoin.Options.DEFAULTS.withMeasurement(SensitivityDump.label(corpus.toString()),
                        SENSI_CONFIG.bits(), SENSI_CONFIG.group()), joinedDir());
        join.write(join.join());
        return new StepResult("join", out, false);
    }

    private static long modified(Path p) {
        try {
            return Files.isRegularFile(p) ? Files.getLastModifiedTime(p).toMillis() : -1;
        } catch (java.io.IOException e) {
            return -1;
        }
    }

    /**
     * One line of the main job's summary.
     *
     * @param method        {@code fp16}, {@code hqq b4g64}, {@code mxq 4.25}, {@code sensi-boost 4.25}, ...
     * @param bits          bits per parameter of the quantized matrices (16 for fp16; the budget for MXQ)
     * @param perplexity    perplexity on the corpus
     * @param changePercent change against fp16, in percent
     * @param kld           mean KL divergence of its next-token distributions from fp16's on the same windows (0 for
     *                      fp16 itself)
     * @param top1Agree     share of positions where it and fp16 agree on the most likely token (1 for fp16)
     */
    public record Headline(String method, double bits, double perplexity, double changePercent, double kld,
                           double top1Agree) {}

    /** The summary of the finished experiments: method, bits, perplexity and its change against fp16. */
    public List<Headline> headlines() {
        List<String[]> raw = new ArrayList<>();   // method, bits, ppl, kld, top1
        for (String experiment : List.of("pipeline", "pipeline-" + VARIANTS.get(0).cliName(),
                "pipeline-" + VARIANTS.get(1).cliName(), "pipeline-baselines")) {
            Path result = latestResult(resultDir().resolve(experiment));
            Table t = Table.read().csv(result.toFile());
            for (int r = 0; r < t.rowCount(); r++) {
                String algo = t.stringColumn("algo").get(r);
                String cfg = t.column("config").getString(r);
                String method = experiment.equals("pipeline") || experiment.equals("pipeline-baselines") ? algo
                        : experiment.substring("pipeline-".length());
                double bits = switch (algo) {
                    case "fp16" -> 16;
                    case "mxq" -> BUDGET;
                    // NF4: the code, an 8-bit nested maximum per block, a float per 256 blocks
                    case "bnb" -> 4 + 8.0 / 64 + 32.0 / (64 * 256);
                    // GPTQ and AWQ: the code, an fp16 scale and a packed zero per group
                    case "gptq", "awq" -> QuantConfig.parse(cfg).bits() + (16.0 + QuantConfig.parse(cfg).bits())
                            / QuantConfig.parse(cfg).group();
                    default -> QuantConfig.parse(cfg).bitsPerParameter();
                };
                String label = algo.equals("fp16") ? method : method + " " + cfg.replace('_', '.');
                boolean reference = algo.equals("fp16");
                raw.add(new String[] {label, Double.toString(bits), t.column("ppl_wikitext").getString(r),
                        reference ? "0" : cell(t, "kld_wikitext", r),
                        reference ? "1" : cell(t, "top1_agree_wikitext", r)});
            }
        }
        double fp = raw.stream().filter(r -> r[0].equals("fp16")).mapToDouble(r -> Double.parseDouble(r[2]))
                .findFirst().orElse(Double.NaN);
        return raw.stream().map(r -> new Headline(r[0], Double.parseDouble(r[1]), Double.parseDouble(r[2]),
                100 * (Double.parseDouble(r[2]) / fp - 1), measured(r[3], r[4]), measured(r[4], r[3]))).toList();
    }

    /** The text of a result cell, "" where the column is missing or the cell empty. */
    private static String cell(Table t, String column, int row) {
        return !t.containsColumn(column) || t.column(column).isMissing(row) ? "" : t.column(column).getString(row);
    }

    /** A KL cell as a number; NaN where it was not measured ({@link ResultColumns#klMeasured}). */
    private static double measured(String cell, String partner) {
        if (cell.isBlank() || partner.isBlank()) {
            return Double.NaN;
        }
        double v = Double.parseDouble(cell);
        return org.lmqt.harness.ResultColumns.klMeasured(v, Double.parseDouble(partner)) ? v : Double.NaN;
    }

    private static Path latestResult(Path experimentDir) {
        try (var files = Files.list(experimentDir)) {
            return files.filter(f -> f.getFileName().toString().startsWith("result-")).max(java.util.Comparator
                    .comparing(Path::getFileName)).orElseThrow(() -> new IllegalStateException("no result in "
                    + experimentDir + ": run the pipeline first"));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private ModelRunner runner(Path snapshots, Path fnormDir, MxqOptions mxq) {
        return new ModelRunner(new ModelRunner.Settings(snapshots, fnormDir, mxq,
                List.of(PplDataset.parse(corpus.toString())), new Perplexity(256, 128), java.util.OptionalInt.empty(),
                device, threads, ModelRunner.Calibration.ORIGINAL, true));
    }

    /** GPTQ's calibration windows in the main job: 16 of 256 tokens of the corpus, drawn with seed 1. */
    static final org.lmqt.calib.GptqCalibration.Settings CALIBRATION = new org.lmqt.calib.GptqCalibration.Settings(16,
            256, 1);

    private StepResult baselines() {
        Plan plan = Plan.of(List.of(ModelRef.parse(modelDir().toString())), List.of(Algo.BNB, Algo.GPTQ, Algo.AWQ),
                List.of("b4g64"), Task.EVAL_PPL);
        ModelRunner runner = new ModelRunner(new ModelRunner.Settings(outputDir.resolve("snapshots"), dataDir(),
                MxqOptions.DEFAULTS, List.of(PplDataset.parse(corpus.toString())), new Perplexity(256, 128),
                java.util.OptionalInt.empty(), device, threads,
                new ModelRunner.Calibration(Optional.of(corpus), CALIBRATION), true));
        Harness.Outcome o = new Harness(new Harness.Settings(resultDir(), "pipeline-baselines", true, false), runner,
                System.out).run(plan);
        return new StepResult("baselines", o.result().orElse(resultDir()), o.ran() == 0);
    }

    private StepResult variant(WeightAlgo variant) {
        String name = variant.cliName();
        Plan plan = Plan.of(List.of(ModelRef.parse(modelDir().toString())), List.of(Algo.MXQ),
                List.of(budgetName()), Task.EVAL_PPL);
        ModelRunner runner = runner(outputDir.resolve("snapshots-" + name), joinedDir(),
                MxqOptions.DEFAULTS.withWeightAlgo(variant));
        Harness.Outcome o = new Harness(new Harness.Settings(resultDir(), "pipeline-" + name, true, false), runner,
                System.out).run(plan);
        return new StepResult(name, o.result().orElse(resultDir()), o.ran() == 0);
    }

    private static String budgetName() {
        return String.format(java.util.Locale.ROOT, "%.2f", BUDGET);
    }

    private StepResult experiment() {
        List<Algo> algos = List.of(Algo.FP16, Algo.HQQ, Algo.MXQ);
        List<String> configs = List.of("b4g64", budgetName());
        Plan plan = Plan.of(List.of(ModelRef.parse(modelDir().toString())), algos, configs, Task.EVAL_PPL);
        ModelRunner runner = runner(outputDir.resolve("snapshots"), dataDir(), MxqOptions.DEFAULTS);
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
        charts.add(baselineChart(model));
        charts.add(wdist);   // last: its CSV marks the step as done
        charts.forEach(c -> c.write(figuresDir()));
        return new StepResult("figures", figuresDir(), false);
    }

    /**
     * Perplexity against bits per parameter of this run's methods (the paper's Fig. 3 layout, one panel: the corpus
     * is the perplexity set): MXQ at the budget, HQQ, bitsandbytes, GPTQ and AWQ at b4g64, FP16 as the reference line.
     */
    private Chart baselineChart(String model) {
        List<org.lmqt.report.ResultRow> rows = new ArrayList<>();
        for (String experiment : List.of("pipeline", "pipeline-baselines")) {
            Table t = org.lmqt.report.TidyCsv.read(latestResult(resultDir().resolve(experiment)));
            for (int r = 0; r < t.rowCount(); r++) {
                String algo = t.stringColumn("algo").get(r);
                String config = t.stringColumn("config").get(r);
                double ppl = org.lmqt.report.TidyCsv.parse(t.stringColumn("ppl_wikitext").get(r));   // read as text
                rows.add(new org.lmqt.report.ResultRow(t.stringColumn("model").get(r), algo, config,
                        org.lmqt.report.Combine.bpp(config), algo.equals("mxq") ? "mxq" : "", ppl, Double.NaN,
                        Double.NaN, Double.NaN, Double.NaN));
            }
        }
        return PplMemChart.build(model, rows, new PplMemChart.Options("mxq", 2.8, 8.6, 1.2, List.of("WikiText2")));
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
