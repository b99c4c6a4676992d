package org.lmqt.vit;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.clip.ClipDeployment;
import org.lmqt.clip.ClipLayout;
import org.lmqt.clip.ClipModel;
import org.lmqt.clip.ClipWeights;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.MemoryProbe;
import org.lmqt.harness.Algo;
import org.lmqt.harness.ResultColumns;
import org.lmqt.harness.ResultRow;
import org.lmqt.harness.Subtask;
import org.lmqt.harness.SubtaskRunner;
import org.lmqt.io.PyFloat;
import org.lmqt.io.PandasCsv;
import org.lmqt.metadata.ClipMetadata;
import org.lmqt.metadata.KurtosisJoin;
import org.lmqt.metadata.MetadataKind;
import org.lmqt.mxq.Allocation;
import org.lmqt.mxq.FnormTable;
import org.lmqt.mxq.Mxq;
import org.lmqt.mxq.MxqOptions;
import org.lmqt.quant.DjlHqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;

/**
 * One subtask of {@code quant-vit}: the CLIP model quantized as it loads (HQQ with one config, or MXQ's allocation
 * over the model's FNorm table; the MLPs only, as the original), then zero-shot classification or the linear probe
 * on the data set, into a {@link ResultColumns#VIT} row. Like the original's CLIP_benchmark loader, no snapshot is
 * saved; unlike it (which leaves 0), {@code quant_duration} records the seconds of loading with quantization.
 */
public final class VitRunner implements SubtaskRunner {

    /**
     * How to run.
     *
     * @param data       data set root ({@link ImageData}: {@code train/} and {@code test/} splits)
     * @param fnormDir   where {@code fnorm-<model>.csv} is read, or computed once when missing (MXQ)
     * @param mxq        the MXQ variant
     * @param device     where the model runs
     * @param threads    threads of the FNorm computation
     * @param imageBatch images per forward pass of the vision tower
     * @param probe      linear-probe training settings
     */
    public record Settings(Path data, Path fnormDir, MxqOptions mxq, ComputeDevice device, int threads,
                           int imageBatch, LinearProbe probe) {
        public Settings {
            if (imageBatch <= 0 || threads <= 0) {
                throw new IllegalArgumentException("image batch and threads must be positive");
            }
        }
    }

    private final Settings settings;

    public VitRunner(Settings settings) {
        this.settings = settings;
    }

    /**
     * The original's config detail of a ViT row: {@code {}} for fp16, CLIP_benchmark's HQQ dict
     * ({@code 'scale_quant_params': None}) for hqq, the short form
     * {@code {'offload_meta': False, 'mixed': True, 'budget': 4.0}} for mxq.
     */
    public static String configDetail(Subtask s) {
        return switch (s.algo()) {
            case MXQ -> "{'offload_meta': False, 'mixed': True, 'budget': " + PyFloat.repr(Algo.budget(s.cfg())) + "}";
            case HQQ -> {
                QuantConfig c = QuantConfig.parse(s.cfg());
                yield "{'weight_quant_params': {'nbits': " + c.bits() + ", 'channel_wise': True, 'group_size': "
                        + c.group() + ", 'optimize': True, 'round_zero': " + (c.bits() == 4 ? "True" : "False")
                        + ", 'axis': 0, 'view_as_float': False}, 'scale_quant_params': None, 'zero_quant_params': "
                        + "{'nbits': 8, 'channel_wise': False, 'group_size': None, 'optimize': False}, "
                        + "'offload_meta': False, 'mixed': False, 'budget': 0.0}";
            }
            default -> s.algo().configDetail(s.cfg());
        };
    }

    /**
     * Fails with a one-line error before any work when a model of {@code plan} is not a CLIP folder or the data set
     * lacks a split the task needs (or a class folder, or has none).
     */
    public void check(org.lmqt.harness.Plan plan) {
        for (Subtask s : plan.subtasks()) {
            ClipLayout.detect(HubCache.resolve(s.model().location()));
        }
        ImageData.split(settings.data(), "test");
        if (plan.task() == org.lmqt.harness.Task.EVAL_LINEAR_PROBE) {
            ImageData.split(settings.data(), "train");
        }
    }

    @Override
    public String note(Subtask s) {
        return s.algo() == Algo.FP16 ? "" : "quantized as it loads";
    }

    @Override
    public ResultRow run(Subtask s) {
        ResultRow row = ResultRow.empty(s, ResultColumns.VIT, configDetail(s));
        Path dir = HubCache.resolve(s.model().location());
        Optional<QuantPlan> plan = plan(s, dir);
        MemoryProbe memory = new MemoryProbe(settings.device());
        long t0 = System.nanoTime();
        ClipModel model;
        ClipLayout layout = ClipLayout.detect(dir);
        ClipDeployment deployment = s.algo() == Algo.MXQ ? ClipDeployment.OPEN_CLIP_MXQ : ClipDeployment.OPEN_CLIP_HQQ;
        try (ClipWeights w = ClipWeights.open(dir, layout, plan, DjlHqq.allCoresFor(settings.device()), deployment)) {
            model = ClipModel.load(w, settings.device());
        }
        try (model) {
            if (plan.isPresent()) {
                row = row.with("quant_duration", (System.nanoTime() - t0) / 1e9);
            }
            long t1 = System.nanoTime();
            return switch (s.task()) {
                case EVAL_ZEROSHOT_CLS -> {
                    ClassificationScores sc = zeroShot(model, dir);
                    memory.sample();
                    yield row.with("zeroshot_mem_allot", memory.peakBytes())
                            .with("zeroshot_mem_reserved", memory.peakBytes())
                            .with("acc1_zeroshot_cls", sc.acc1()).with("acc5_zeroshot_cls", sc.acc5())
                            .with("recall_zeroshot_cls", sc.meanPerClassRecall())
                            .with("duration_zeroshot_cls", (System.nanoTime() - t1) / 1e9);
                }
                case EVAL_LINEAR_PROBE -> {
                    ClassificationScores sc = linearProbe(model);
                    memory.sample();
                    yield row.with("linear_probe_mem_allot", memory.peakBytes())
                            .with("linear_probe_mem_reserved", memory.peakBytes())
                            .with("acc1_linear_probe", sc.acc1()).with("acc5_linear_probe", sc.acc5())
                            .with("recall_linear_probe", sc.meanPerClassRecall())
                            .with("duration_linear_probe", (System.nanoTime() - t1) / 1e9);
                }
                default -> throw new IllegalArgumentException(s.task() + " is not a quant-vit task");
            };
        }
    }

    /** Zero-shot classification of the test split. */
    public ClassificationScores zeroShot(ClipModel model, Path modelDir) {
        ImageSet test = ImageData.split(settings.data(), "test");
        List<String> templates = ImageData.templates(settings.data()).orElse(ZeroShotTemplates.IMAGENET);
        ZeroShotClassifier zs;
        try (PromptTokenizer tok = PromptTokenizer.forModel(modelDir, model.config())) {
            zs = ZeroShotClassifier.build(model, tok, test.classNames(), templates);
        }
        float[] f = ImageFeatures.normalized(model, test, settings.imageBatch(), "zero-shot test");
        return ClassificationScores.of(zs.logits(f), test.labels(), test.classNames().size());
    }

    /** The linear probe: trained on the train split's features, evaluated on the test split's. */
    public ClassificationScores linearProbe(ClipModel model) {
        ImageSet train = ImageData.split(settings.data(), "train");
        ImageSet test = ImageData.split(settings.data(), "test");
        float[] ftrain = ImageFeatures.normalized(model, train, settings.imageBatch(), "probe train");
        float[] ftest = ImageFeatures.normalized(model, test, settings.imageBatch(), "probe test");
        int classes = train.classNames().size();
        LinearProbe.Head head = settings.probe().train(ftrain, train.labels(), classes, settings.device());
        return ClassificationScores.of(head.logits(ftest), test.labels(), classes);
    }

    /**
     * The model's FNorm table with its kurtosis joined (as the original's {@code utils/join.R} made the ViT tables,
     * so the Kurt* variants work): read from {@code fnorm-<model>.csv} in the FNorm folder, else computed there
     * once with {@code kurtosis-<model>.csv} and written back joined.
     */
    private tech.tablesaw.api.Table fnormWithKurtosis(String name, Path dir) {
        try (ClipWeights w = ClipWeights.open(dir)) {
            Path fnorm = ClipMetadata.write(MetadataKind.FNORM, w, name, settings.fnormDir(), settings.threads(),
                    false, settings.device()).file();
            tech.tablesaw.api.Table t = PandasCsv.read(fnorm);
            if (t.columnNames().contains("kurtosis")) {
                return t;
            }
            Path kurt = ClipMetadata.write(MetadataKind.KURTOSIS, w, name, settings.fnormDir(), settings.threads(),
                    false, settings.device()).file();
            tech.tablesaw.api.Table joined = KurtosisJoin.join(t, PandasCsv.read(kurt));
            PandasCsv.write(joined, fnorm);
            return joined;
        }
    }

    /** The quantization plan of a subtask: none, uniform HQQ, or MXQ's allocation. */
    private Optional<QuantPlan> plan(Subtask s, Path dir) {
        return switch (s.algo()) {
            case FP16 -> Optional.empty();
            case HQQ -> Optional.of(QuantPlan.uniform(QuantMethod.HQQ, QuantConfig.parse(s.cfg())));
            case MXQ -> Optional.of(mxqPlan(s, dir));
            default -> throw new IllegalArgumentException("quant-vit has no configs for " + s.algo());
        };
    }

    private QuantPlan mxqPlan(Subtask s, Path dir) {
        FnormTable table = FnormTable.of(fnormWithKurtosis(s.model().name(), dir));
        Allocation a = Mxq.solve(table, Algo.budget(s.cfg()), settings.mxq());
        Map<MatrixKey, QuantConfig> perMatrix = new LinkedHashMap<>();
        for (int i = 0; i < table.size(); i++) {
            perMatrix.put(table.matrices().get(i).matrixKey(), a.config(i));
        }
        return QuantPlan.perMatrix(QuantMethod.HQQ, perMatrix, "mxq " + s.cfg());
    }

}
