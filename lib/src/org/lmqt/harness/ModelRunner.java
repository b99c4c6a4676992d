package org.lmqt.harness;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.stream.Stream;
import org.lmqt.calib.CalibrationWindows;
import org.lmqt.model.MatrixOverrides;
import org.lmqt.calib.GptqCalibration;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.KlDivergence;
import org.lmqt.eval.MemoryProbe;
import org.lmqt.eval.Perplexity;
import org.lmqt.eval.PerplexityResult;
import org.lmqt.eval.tasks.ZeroshotSuite;
import org.lmqt.metadata.MetadataDump;
import org.lmqt.metadata.MetadataKind;
import org.lmqt.metadata.MethodFnorm;
import org.lmqt.io.FileTrees;
import org.lmqt.layerwise.BlockStore;
import org.lmqt.layerwise.CalibratedQuantization;
import org.lmqt.model.CommunitySnapshot;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.TextTokenizer;
import org.lmqt.model.WeightSource;
import org.lmqt.model.QuantizedSnapshot;
import org.lmqt.mxq.Allocation;
import org.lmqt.mxq.FnormTable;
import org.lmqt.mxq.Mxq;
import org.lmqt.mxq.MxqOptions;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.quant.CommunityFormat;
import org.lmqt.quant.DjlHqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;
import org.lmqt.quant.kv.KvMethods;
import org.lmqt.quant.kv.KvQuantCalibration;
import org.lmqt.quant.kv.KvQuantPolicy;

/**
 * The real work of a subtask (spec §2.4, §4.11): quantize into the snapshot folder unless a snapshot is cached
 * there, then measure what the task asks for.
 * <ul>
 * <li>{@code quant_duration}: seconds of quantizing the linear layers, plus reading the FNorm table and solving
 * the allocation for MXQ (not the one-off FNorm computation, nor loading and saving); integer 0 when the snapshot
 * was cached.</li>
 * <li>{@code model_storage_size}: bytes of the snapshot's weight file; for fp16 all {@code *.safetensors} files of
 * the model folder.</li>
 * <li>{@code *_mem_allot}, {@code *_mem_reserved}: the {@link MemoryProbe} peak (GPU memory in use, or on the CPU
 * the process's peak resident set size, which is process-wide, so run one storage process per model as the
 * original's scripts do); both columns get the same figure.</li>
 * <li>{@code ppl_*}: perplexity rounded to 4 decimals; {@code duration_*}: mean seconds per window, 3 decimals.</li>
 * </ul>
 * A snapshot is written into a temporary sibling folder and renamed into place, so a killed run never leaves a
 * half-written snapshot that a later run would take for a cached one.
 */
public final class ModelRunner implements SubtaskRunner {

    /**
     * Settings of the model work.
     *
     * @param snapshotRoot root of the snapshot folders ({@code --quant-snapshot-dir})
     * @param fnormDir     where {@code fnorm-<model>.csv} is read, or computed and written when missing
     * @param mxq          the MXQ variant
     * @param datasets     perplexity sets of {@code eval_ppl}
     * @param protocol     perplexity windows
     * @param maxTokens    evaluate only the first tokens of each set (quick runs)
     * @param device       where the model runs
     * @param threads      worker threads for the FNorm computation
     * @param calibration  GPTQ's calibration data and windows
     * @param klDivergence also measure, in {@code eval_ppl} of quantized models, the KL divergence from the
     *                     unquantized model on the same windows ({@code kld_*}, {@code top1_agree_*})
     * @param zeroshot     what {@code eval_zeroshot} runs
     */
    public record Settings(Path snapshotRoot, Path fnormDir, MxqOptions mxq, List<PplDataset> datasets,
                           Perplexity protocol, OptionalInt maxTokens, ComputeDevice device, int threads,
                           Calibration calibration, boolean klDivergence, Zeroshot zeroshot) {
        public Settings {
            datasets = List.copyOf(datasets);
            if (datasets.isEmpty()) {
                throw new IllegalArgumentException("give at least one --dataset");
            }
            if (maxTokens.isPresent() && maxTokens.getAsInt() < 2) {
                throw new IllegalArgumentException("--max-tokens must be at least 2");
            }
        }

        /** The settings with the default {@code eval_zeroshot}. */
        public Settings(Path snapshotRoot, Path fnormDir, MxqOptions mxq, List<PplDataset> datasets,
                        Perplexity protocol, OptionalInt maxTokens, ComputeDevice device, int threads,
                        Calibration calibration, boolean klDivergence) {
            this(snapshotRoot, fnormDir, mxq, datasets, protocol, maxTokens, device, threads, calibration,
                    klDivergence, Zeroshot.DEFAULT);
        }

        /** The settings with the original's GPTQ calibration. */
        public Settings(Path snapshotRoot, Path fnormDir, MxqOptions mxq, List<PplDataset> datasets,
                        Perplexity protocol, OptionalInt maxTokens, ComputeDevice device, int threads) {
            this(snapshotRoot, fnormDir, mxq, datasets, protocol, maxTokens, device, threads, Calibration.ORIGINAL,
                    false);
        }
    }

    /**
     * What {@code eval_zeroshot} runs: lm-eval's tasks with their documents from a hub cache.
     *
     * @param tasks the tasks and groups ({@link ZeroshotSuite#CLASSIC}, MMLU categories); empty for every task of
     *              the classic set whose data is in the cache
     * @param shots few-shot examples per context
     * @param limit only the first documents of each task (each MMLU subject)
     * @param cache the hub cache the documents come from
     */
    public record Zeroshot(List<String> tasks, int shots, Optional<Integer> limit, Path cache) {
        /** Every cached classic task, 0-shot, all documents, the environment's hub cache. */
        public static final Zeroshot DEFAULT = new Zeroshot(List.of(), 0, Optional.empty(), HubCache.cacheDir());

        public Zeroshot {
            tasks = List.copyOf(tasks);
            new ZeroshotSuite(tasks.isEmpty() ? ZeroshotSuite.CLASSIC : tasks, shots, LM_EVAL_SEED, limit); // checks
        }

        /** The suite to run: the given tasks, or the classic ones in the cache (a one-line error when none is). */
        ZeroshotSuite suite() {
            List<String> names = tasks;
            if (names.isEmpty()) {
                names = ZeroshotSuite.cached(cache);
                if (names.isEmpty()) {
                    throw new UserException("eval_zeroshot: none of " + ZeroshotSuite.CLASSIC + " is in the Hugging "
                            + "Face hub cache " + cache + " (download their datasets there, see README)");
                }
            }
            return new ZeroshotSuite(names, shots, LM_EVAL_SEED, limit);
        }
    }

    /** lm-eval's {@code fewshot_random_seed}, which the original's evaluation kept. */
    static final long LM_EVAL_SEED = 1234;

    /**
     * Where GPTQ's calibration windows come from (spec §4.11).
     *
     * @param documents the documents file (text lines, JSON lines, parquet or CSV with a {@code text} column), or
     *                  empty for the original's: the first 1,024 documents of c4's {@code en/c4-train.00001-of-01024}
     *                  from the hub cache
     * @param windows   how many windows of how many tokens, drawn with {@code random.seed(1)}
     */
    public record Calibration(Optional<Path> documents, GptqCalibration.Settings windows) {
        /** The original's: 1,024 windows of 512 tokens of the c4 shard. */
        public static final Calibration ORIGINAL = new Calibration(Optional.empty(), GptqCalibration.Settings.DEFAULT);

        /** The token windows for a model's tokenizer. */
        long[][] windows(TextTokenizer tokenizer) {
            return new CalibrationWindows(documents, windows).windows(tokenizer::encode);
        }
    }

    private final Settings settings;
    private final org.lmqt.mxq.Objective objective;
    private final Map<PplDataset, String> texts = new HashMap<>();

    public ModelRunner(Settings settings) {
        this(settings, org.lmqt.mxq.Objective.WEIGHT);
    }

    /**
     * A runner whose MXQ algos minimise {@code objective}: the weight error (the FNorm, as the original) or the output
     * error of a calibrated method's table ({@code mxq-gptq}; the other tables lack it: a one-line error).
     */
    public ModelRunner(Settings settings, org.lmqt.mxq.Objective objective) {
        this.settings = settings;
        this.objective = java.util.Objects.requireNonNull(objective, "objective");
    }

    @Override
    public String note(Subtask s) {
        if (s.algo() == Algo.FP16) {
            return "unquantized";
        }
        if (s.algo() == Algo.BNB || s.algo() == Algo.MXQ_NF4 || s.algo().isFakeQuant()) {
            return "quantized as it loads";
        }
        Path dir = s.snapshotDir(settings.snapshotRoot());
        return isSnapshot(dir) ? "snapshot cached in " + dir : "quantizes into " + dir;
    }

    @Override
    public ResultRow run(Subtask s) {
        if (!Task.LLM.contains(s.task())) {
            throw new UserException(s.task() + " is a task of quant-vit, not of the LLM harness");
        }
        ResultRow row = ResultRow.empty(s);
        MemoryProbe memory = new MemoryProbe(settings.device());
        Path modelDir;
        if (s.algo() == Algo.BNB || s.algo() == Algo.MXQ_NF4 || s.algo().isFakeQuant()) {
            return quantizedAsLoaded(s, row, memory);
        }
        if (s.algo() == Algo.FP16) {
            modelDir = HubCache.resolve(s.model().location());
        } else {
            modelDir = s.snapshotDir(settings.snapshotRoot());
            // one writer per snapshot: a process that finds another quantizing it waits and reuses it
            Path snapshot = modelDir;
            var seconds = SnapshotLock.quantizeOnce(snapshot, ModelRunner::isSnapshot, () -> s.algo().isCalibrated()
                    ? quantizeCalibrated(s, snapshot) : s.algo() == Algo.MXQ_GPTQ ? quantizeMxqGptq(s, snapshot)
                    : quantize(s, snapshot));
            if (seconds.isPresent()) {
                row = row.with("quant_duration", seconds.getAsDouble());
            }
            if (s.algo() == Algo.MXQ_GPTQ) {
                try (Checkpoint ckpt = Checkpoint.open(s.model().location())) {
                    row = row.withConfigDetail(withBits(row.configDetail(), savedGptqConfigs(snapshot), ckpt));
                }
            }
        }
        return switch (s.task()) {
            case QUANT -> row;
            case EVAL_MODEL_STORAGE -> {
                try (LoadedModel m = LoadedModel.open(modelDir.toString(), settings.device())) {
                    memory.sample();
                }
                yield row.with("model_storage_size", storageBytes(s, modelDir))
                        .with("load_mem_allot", memory.peakBytes()).with("load_mem_reserved", memory.peakBytes());
            }
            case EVAL_PPL -> perplexity(row, modelDir, memory, s);
            case EVAL_ZEROSHOT -> {
                try (LoadedModel m = LoadedModel.open(modelDir.toString(), settings.device())) {
                    yield zeroshot(row, m);
                }
            }
            case EVAL_ZEROSHOT_CLS, EVAL_LINEAR_PROBE -> throw new IllegalStateException("not an LLM task");
        };
    }

    /** lm-eval's tasks on the loaded model ({@link ZeroshotColumns}). */
    private ResultRow zeroshot(ResultRow row, LoadedModel m) {
        ZeroshotSuite.Result result = settings.zeroshot().suite().run(m.model(), m.requireTokenizer()::encode,
                settings.zeroshot().cache(), i -> { });
        ResultRow r = row;
        for (var e : ZeroshotColumns.values(result).entrySet()) {
            r = r.with(e.getKey(), e.getValue());
        }
        return r;
    }

    /** An lmqt snapshot (HQQ, RTN, MXQ) or a community-layout one (GPTQ, AWQ) in {@code dir}. */
    private static boolean isSnapshot(Path dir) {
        return QuantizedSnapshot.isSnapshot(dir) || CommunitySnapshot.isCommunity(dir);
    }

    /**
     * bitsandbytes: quantized as the model loads, in every task, with no snapshot, as the original loads it through
     * transformers (spec §4.11 counts {@code quant_duration} as loading plus quantizing); the storage size is what the
     * quantized matrices take in their formats plus the other tensors as stored.
     */
    private ResultRow quantizedAsLoaded(Subtask s, ResultRow row, MemoryProbe memory) {
        FakeQuantization fake = new FakeQuantization();
        if (s.algo() == Algo.MXQ_NF4) {
            // the NF4 FNorm table is metadata, computed once before the clock starts (as plain MXQ's)
            try (Checkpoint ckpt = Checkpoint.open(s.model().location())) {
                fake.mxqTable = fnormTable(ckpt, QuantMethod.NF4, () -> new long[0][]);
            }
        }
        long t0 = System.nanoTime();
        try (Checkpoint ckpt = Checkpoint.open(s.model().location());
             WeightSource source = quantizedSource(s, ckpt, fake);
             LoadedModel m = LoadedModel.of(LlamaModel.load(source, settings.device()), ckpt.dir(), ckpt.shortId());
             var hook = fake.recipe.install(m.model())) {
            ResultRow r = row.with("quant_duration", (System.nanoTime() - t0) / 1e9);
            if (s.algo().isFakeQuant()) {
                r = r.withConfigDetail(fake.detail(r.configDetail(), ckpt, source));
            }
            if (fake.mxqPlan != null) {
                r = r.withConfigDetail(withBits(r.configDetail(), fake.mxqConfigs, ckpt));
            }
            memory.sample();
            return switch (s.task()) {
                case QUANT -> r;
                case EVAL_MODEL_STORAGE -> r.with("model_storage_size", storageBytes(ckpt, source))
                        .with("load_mem_allot", memory.peakBytes()).with("load_mem_reserved", memory.peakBytes());
                case EVAL_PPL -> perplexity(r, m, memory, s);
                case EVAL_ZEROSHOT -> zeroshot(r, m);
                case EVAL_ZEROSHOT_CLS, EVAL_LINEAR_PROBE -> throw new IllegalStateException("not an LLM task");
            };
        }
    }

    /**
     * The checkpoint with bitsandbytes' matrices quantized as read, or a fake-quantization method's weights
     * (SmoothQuant's smoothed and quantized on the calibration windows, with its smoothed norms).
     */
    private WeightSource quantizedSource(Subtask s, Checkpoint ckpt, FakeQuantization fake) {
        if (s.algo().isFakeQuant()) {
            // SmoothQuant and ZeroQuant-LKD calibrate on the harness's windows (ZeroQuant's -lkd with qllm-infer's
            // settings: the last layer, 600 steps of 4 windows, AdamW lr 5e-6)
            var q = org.lmqt.actquant.FakeQuantMethods.quantize(s.algo().cliName(), s.cfg(), ckpt, settings.device(),
                    () -> {
                        try (TextTokenizer tok = TextTokenizer.find(ckpt.dir()).orElseThrow(() -> new UserException(
                                ckpt.dir() + ": " + s.algo() + " calibrates on text and needs the model's "
                                        + "tokenizer.json"))) {
                            return settings.calibration().windows(tok);
                        }
                    }, org.lmqt.lkd.LkdConfig.QLI, org.lmqt.actquant.FakeQuantMethods.QUIET);
            fake.recipe = q.activations();
            return q.source(WeightSource.of(ckpt));
        }
        if (s.algo() == Algo.MXQ_NF4) {
            // NF4 at each matrix's allocated block size; solving counts as quantization time
            fake.mxqConfigs = allocation(methodTable(fake.mxqTable, QuantMethod.NF4), Algo.budget(s.cfg()));
            fake.mxqPlan = QuantPlan.perMatrix(QuantMethod.NF4, fake.mxqConfigs, "mxq-nf4 " + s.cfg());
            return new org.lmqt.model.QuantizedWeights(ckpt, fake.mxqPlan, new org.lmqt.quant.Hqq(null));
        }
        QuantPlan plan = new QuantPlan(Optional.of(Algo.bnbChoice(s.cfg())), Map.of(), java.util.Set.of(),
                "bnb " + s.cfg());
        return new org.lmqt.model.QuantizedWeights(ckpt, plan, new org.lmqt.quant.Hqq(null));
    }

    /**
     * GPTQ or AWQ of the model of {@code s} on the calibration windows, saved into {@code snapshot} in AutoGPTQ's or
     * AutoAWQ's layout; finished blocks are kept beside it ({@link BlockStore}), so a killed run resumes from the last
     * one. Returns the seconds {@code quant_duration} counts: preparing the calibration data plus quantizing, as the
     * original counts them (not saving).
     */
    private double quantizeCalibrated(Subtask s, Path snapshot) {
        QuantMethod method = s.algo() == Algo.GPTQ ? QuantMethod.GPTQ : QuantMethod.AWQ;
        QuantConfig c = QuantConfig.parse(s.cfg());
        Path blocks = snapshot.resolveSibling("." + snapshot.getFileName() + ".blocks");
        try (Checkpoint ckpt = Checkpoint.open(s.model().location())) {
            long t0 = System.nanoTime();
            long[][] windows;
            try (TextTokenizer tok = TextTokenizer.find(ckpt.dir()).orElseThrow(() -> new org.lmqt.cli.UserException(
                    ckpt.dir() + ": " + s.algo() + " calibrates on text and needs the model's tokenizer.json"))) {
                windows = settings.calibration().windows(tok);
            }
            BlockStore store = BlockStore.at(blocks, CalibratedQuantization.fingerprint(method, c, ckpt, windows));
            WeightSource quantized = CalibratedQuantization.quantize(method, ckpt, c, windows, settings.device(),
                    layer -> { }, store);
            double seconds = (System.nanoTime() - t0) / 1e9;
            CommunitySnapshot.save(ckpt, quantized, CommunityFormat.forMethod(method, c), snapshot, p -> { });
            store.delete();
            return seconds;
        }
    }

    /**
     * What a method quantized as it loads adds to the model: a fake-quantization method's activation quantizer, and
     * mxq-nf4's table and allocation; and what to report.
     */
    private static final class FakeQuantization {
        Path mxqTable;
        Map<MatrixKey, QuantConfig> mxqConfigs;
        QuantPlan mxqPlan;
        org.lmqt.actquant.ActivationRecipe recipe = org.lmqt.actquant.ActivationRecipe.NONE;

        /** The config detail with the weights' bits per parameter (every linear) and the activations' bits. */
        String detail(String base, Checkpoint ckpt, WeightSource source) {
            long params = 0;
            double bits = 0;
            for (String name : ckpt.tensorNames()) {
                var key = MatrixKey.ofWeight(name, ckpt.family());
                if (key.isPresent()) {
                    long n = ckpt.numel(name);
                    params += n;
                    bits += source.quantized(key.get()).map(q -> q.storageBytes() * 8.0)
                            .orElse(n * 8.0 * ckpt.entry(name).dtype().bytes());
                }
            }
            String extra = "'weight_bits_per_param': " + org.lmqt.io.PyFloat.repr(ResultRow.round(bits / params, 4))
                    + ", 'act_bits': " + recipe.bits();
            return base.equals("{}") ? "{" + extra + "}" : base.substring(0, base.length() - 1) + ", " + extra + "}";
        }
    }

    /** Bytes of the quantized matrices in their formats ({@code storageBytes}) plus the other tensors as stored. */
    private static long storageBytes(Checkpoint ckpt, WeightSource source) {
        long bytes = 0;
        for (String name : ckpt.tensorNames()) {
            var q = MatrixKey.ofWeight(name, ckpt.family()).flatMap(source::quantized);
            bytes += q.isPresent() ? q.get().storageBytes() : ckpt.numel(name) * ckpt.entry(name).dtype().bytes();
        }
        return bytes;
    }

    private ResultRow perplexity(ResultRow row, Path modelDir, MemoryProbe memory, Subtask s) {
        try (LoadedModel m = LoadedModel.open(modelDir.toString(), settings.device())) {
            memory.sample();
            return perplexity(row, m, memory, s);
        }
    }

    private ResultRow perplexity(ResultRow row, LoadedModel m, MemoryProbe memory, Subtask s) {
        ResultRow r = row.withKvBytesPerToken(kvCache(m, s).bytesPerToken(m.model().config().numLayers(),
                m.model().config().numKvHeads(), m.model().config().headDim()));
        Map<PplDataset, long[]> tokens = new LinkedHashMap<>();
        for (PplDataset d : settings.datasets()) {
            String text = texts.computeIfAbsent(d, PplDataset::load);
            long[] ids = settings.maxTokens().isPresent()
                    ? m.requireTokenizer().encodePrefix(text, settings.maxTokens().getAsInt())
                    : m.requireTokenizer().encode(text);
            tokens.put(d, ids);
            PerplexityResult p = settings.protocol().evaluate(m.model(), ids, memory, k -> { });
            r = r.with("ppl_" + d.column(), ResultRow.round(p.perplexity(), 4))
                    .with("duration_" + d.column(), ResultRow.round(p.meanWindowSeconds(), 3));
        }
        r = r.with("ppl_mem_allot", memory.peakBytes()).with("ppl_mem_reserved", memory.peakBytes());
        if (settings.klDivergence() && (s.quantizedKv() || !r.algo().equals(Algo.FP16.cliName()))) {
            r = klDivergence(r, m, tokens, s.model().location());
        }
        return r;
    }

    /**
     * Sets the subtask's KV-cache method on the model (every perplexity window is then one prefill with
     * prefill_with_quant); KVQuant is calibrated first on the first {@value #KVQUANT_WINDOWS} calibration windows.
     */
    private KvPolicy kvCache(LoadedModel m, Subtask s) {
        KvPolicy p = KvMethods.parse(s.kv());
        if (p instanceof KvQuantPolicy spec) {
            long[][] w = settings.calibration().windows(m.requireTokenizer());
            p = KvQuantCalibration.calibrate(m.model(), List.of(w).subList(0, Math.min(KVQUANT_WINDOWS, w.length)),
                    spec, 0);
        }
        m.model().setKvPolicy(p);
        return p;
    }

    /** KVQuant's calibration samples (its {@code gen_quantizer.sh}: 16). */
    static final int KVQUANT_WINDOWS = 16;

    /** KL divergence from the unquantized model (loaded after the memory columns are read), per set. */
    private ResultRow klDivergence(ResultRow row, LoadedModel m, Map<PplDataset, long[]> tokens, String reference) {
        ResultRow r = row;
        try (LoadedModel ref = LoadedModel.open(reference, settings.device())) {
            for (var e : tokens.entrySet()) {
                KlDivergence.Result k = new KlDivergence(settings.protocol()).evaluate(m.model(), ref.model(),
                        e.getValue(), w -> { });
                r = r.with("kld_" + e.getKey().column(), k.mean())
                        .with("top1_agree_" + e.getKey().column(), k.top1Agree());
            }
        }
        return r;
    }

    /** Quantizes the model of {@code s} into {@code snapshot}; returns the seconds {@code quant_duration} counts. */
    private double quantize(Subtask s, Path snapshot) {
        try (Checkpoint ckpt = Checkpoint.open(s.model().location())) {
            long t0 = System.nanoTime();
            QuantPlan plan = switch (s.algo()) {
                case RTN -> QuantPlan.uniform(QuantMethod.RTN, QuantConfig.parse(s.cfg()));
                case HQQ -> QuantPlan.uniform(QuantMethod.HQQ, QuantConfig.parse(s.cfg()));
                case MXQ -> {
                    Path fnorm = fnormTable(ckpt);
                    t0 = System.nanoTime();   // the FNorm table is metadata, computed once; not quantization time
                    yield mxqPlan(objective.apply(FnormTable.read(fnorm)), Algo.budget(s.cfg()), s.cfg());
                }
                case FP16, BNB, GPTQ, AWQ, SMOOTHQUANT, ZEROQUANT, FP8, FP4, MXFP8, MXFP4, MXQ_GPTQ, MXQ_NF4 ->
                        throw new IllegalStateException(s.algo() + " has no lmqt snapshot");
            };
            double planSeconds = (System.nanoTime() - t0) / 1e9;
            Path tmp = snapshot.resolveSibling("." + snapshot.getFileName() + ".tmp-" + ProcessHandle.current().pid());
            removeStaleTemporaries(snapshot);
            QuantizedSnapshot.Saved saved = QuantizedSnapshot.save(ckpt, plan, DjlHqq.allCoresFor(settings.device()), tmp,
                    layer -> { });
            moveIntoPlace(tmp, snapshot);
            return planSeconds + saved.quantSeconds();
        }
    }

    private Path fnormTable(Checkpoint ckpt) {
        // one writer per table among processes sharing --fnorm-dir; the others wait, then read it
        Path table = settings.fnormDir().resolve(MetadataKind.FNORM.fileName(ckpt.shortId()));
        return SnapshotLock.exclusive(table, () -> MetadataDump.write(MetadataKind.FNORM, ckpt, settings.fnormDir(),
                settings.threads(), false, settings.device()).file());
    }

    private QuantPlan mxqPlan(FnormTable table, double budget, String cfg) {
        return QuantPlan.perMatrix(QuantMethod.HQQ, allocation(table, budget), "mxq " + cfg);
    }

    /** The MXQ allocation of {@code table} under {@code budget} (the run's variant): a config per matrix. */
    private Map<MatrixKey, QuantConfig> allocation(FnormTable table, double budget) {
        Allocation a = Mxq.solve(table, budget, settings.mxq());
        Map<MatrixKey, QuantConfig> perMatrix = new LinkedHashMap<>();
        for (int i = 0; i < table.size(); i++) {
            perMatrix.put(table.matrices().get(i).matrixKey(), a.config(i));
        }
        return perMatrix;
    }

    /** A base method's table, read; a config the method lacks (a hand-edited table) is a one-line error. */
    private FnormTable methodTable(Path file, QuantMethod method) {
        FnormTable t = FnormTable.read(file);
        t.configs().forEach(c -> MethodFnorm.requireConfig(method, c));
        return objective.apply(t);
    }

    /** The FNorm table of a base method in {@code --fnorm-dir}, computed once (one writer among processes). */
    private Path fnormTable(Checkpoint ckpt, QuantMethod method, java.util.function.Supplier<long[][]> windows) {
        Path table = settings.fnormDir().resolve(MethodFnorm.fileName(ckpt.shortId(), method));
        return SnapshotLock.exclusive(table, () -> MethodFnorm.write(method, ckpt, settings.fnormDir(),
                settings.threads(), false, settings.device(), windows).file());
    }

    /**
     * MXQ over GPTQ: the GPTQ FNorm table on the run's calibration windows (computed once, not counted), the
     * allocation, then GPTQ of every matrix at its config in one block-wise pass (finished blocks kept beside the
     * snapshot, as {@link #quantizeCalibrated}), saved in GPTQModel's layout with per-module {@code dynamic} configs.
     * {@code quant_duration} counts preparing the calibration data, solving and quantizing.
     */
    private double quantizeMxqGptq(Subtask s, Path snapshot) {
        Path blocks = snapshot.resolveSibling("." + snapshot.getFileName() + ".blocks");
        try (Checkpoint ckpt = Checkpoint.open(s.model().location())) {
            long t0 = System.nanoTime();
            long[][] windows;
            try (TextTokenizer tok = TextTokenizer.find(ckpt.dir()).orElseThrow(() -> new org.lmqt.cli.UserException(
                    ckpt.dir() + ": " + s.algo() + " calibrates on text and needs the model's tokenizer.json"))) {
                windows = settings.calibration().windows(tok);
            }
            double calibSeconds = (System.nanoTime() - t0) / 1e9;
            Path table = fnormTable(ckpt, QuantMethod.GPTQ, () -> windows);
            long t1 = System.nanoTime();
            Map<MatrixKey, QuantConfig> configs = allocation(methodTable(table, QuantMethod.GPTQ), Algo.budget(s.cfg()));
            BlockStore store = BlockStore.at(blocks, CalibratedQuantization.fingerprint(QuantMethod.GPTQ,
                    configs.values().iterator().next(), ckpt, windows) + "allocation " + configs + "\n");
            WeightSource quantized = CalibratedQuantization.quantizeGptq(ckpt, key -> {
                QuantConfig c = configs.get(key);
                if (c == null) {
                    throw new org.lmqt.cli.UserException(table + ": no config for " + key.id());
                }
                return c;
            }, windows, settings.device(), layer -> { }, store);
            double seconds = calibSeconds + (System.nanoTime() - t1) / 1e9;
            Map<String, QuantConfig> byPath = new LinkedHashMap<>();
            configs.forEach((k, c) -> byPath.put(k.modulePath(ckpt.family()), c));
            CommunitySnapshot.save(ckpt, quantized, CommunityFormat.Gptq.mixed(mostCommon(configs), byPath), snapshot,
                    p -> { });
            store.delete();
            return seconds;
        }
    }

    /** The config most matrices have (the GPTQ layout's base; the others are its dynamic overrides). */
    private static QuantConfig mostCommon(Map<MatrixKey, QuantConfig> configs) {
        Map<QuantConfig, Integer> counts = new java.util.TreeMap<>();
        configs.values().forEach(c -> counts.merge(c, 1, Integer::sum));
        return counts.entrySet().stream().max(Map.Entry.comparingByValue()).orElseThrow().getKey();
    }

    /** Each matrix's bits and group size as a saved mixed GPTQ snapshot declares them. */
    private static Map<MatrixKey, QuantConfig> savedGptqConfigs(Path snapshot) {
        Map<MatrixKey, QuantConfig> out = new LinkedHashMap<>();
        try (WeightSource w = CommunitySnapshot.source(snapshot)) {
            for (int l = 0; l < w.config().numLayers(); l++) {
                for (String m : w.family().linearModules()) {
                    MatrixKey k = new MatrixKey(l, m);
                    w.quantized(k).ifPresent(q -> {
                        var g = (org.lmqt.quant.gptq.GptqMatrix) q;
                        out.put(k, new QuantConfig(g.bits(), g.group()));
                    });
                }
            }
        }
        return out;
    }

    /**
     * {@code detail} with {@code 'bits_per_param'}: the parameter-weighted mean of MXQ's bits per parameter of the
     * matrices' configs (the figure the allocation keeps within the budget), 4 decimals.
     */
    private static String withBits(String detail, Map<MatrixKey, QuantConfig> configs, Checkpoint ckpt) {
        double bits = 0;
        long params = 0;
        for (var e : configs.entrySet()) {
            long n = ckpt.numel(e.getKey().weightName(ckpt.family()));
            bits += e.getValue().bitsPerParameter() * n;
            params += n;
        }
        return detail.substring(0, detail.length() - 1) + ", 'bits_per_param': "
                + org.lmqt.io.PyFloat.repr(ResultRow.round(bits / params, 4)) + "}";
    }

    /** Deletes temporary snapshot folders of processes that no longer run (killed mid-save). */
    private static void removeStaleTemporaries(Path snapshot) {
        String prefix = "." + snapshot.getFileName() + ".tmp-";
        Path parent = snapshot.getParent();
        if (!Files.isDirectory(parent)) {
            return;
        }
        try (Stream<Path> siblings = Files.list(parent)) {
            for (Path p : siblings.filter(p -> p.getFileName().toString().startsWith(prefix)).toList()) {
                String pid = p.getFileName().toString().substring(prefix.length());
                boolean alive = pid.matches("\\d+") && ProcessHandle.of(Long.parseLong(pid)).isPresent();
                if (!alive || Long.parseLong(pid) == ProcessHandle.current().pid()) {
                    FileTrees.delete(p);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot clean " + parent + ": " + e.getMessage(), e);
        }
    }

    private static void moveIntoPlace(Path tmp, Path snapshot) {
        try {
            if (QuantizedSnapshot.isSnapshot(snapshot)) {
                FileTrees.delete(tmp);   // another run on the same snapshot root finished first: keep its snapshot
                return;
            }
            FileTrees.delete(snapshot);  // an empty or foreign leftover folder
            try {
                Files.move(tmp, snapshot, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, snapshot);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot move the snapshot into " + snapshot + ": " + e.getMessage(), e);
        }
    }

    /** Snapshot weight file size; for fp16 the model folder's safetensors files (spec §4.11). */
    private static long storageBytes(Subtask s, Path modelDir) {
        try {
            if (s.algo() != Algo.FP16) {
                return Files.size(modelDir.resolve(CommunitySnapshot.isCommunity(modelDir) ? CommunitySnapshot.FILE
                        : QuantizedSnapshot.FILE));
            }
            try (Stream<Path> files = Files.list(modelDir)) {
                long sum = 0;
                for (Path p : files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).toList()) {
                    sum += Files.size(p);
                }
                return sum;
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot measure " + modelDir + ": " + e.getMessage(), e);
        }
    }
}
