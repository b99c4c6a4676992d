///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Quantize every linear layer of a model (uniform bXgY with hqq/rtn, an MXQ allocation, or an activation method: smoothquant, zeroquant, fp8, fp4, mxfp8, mxfp4) and save a quantized snapshot.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.actquant.FakeQuantMethods;
import org.lmqt.actquant.FakeQuantRecipe;
import org.lmqt.actquant.FakeQuantSnapshot;
import org.lmqt.harness.Algo;
import org.lmqt.lkd.LkdConfig;
import org.lmqt.model.TextTokenizer;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.cli.Cli;
import org.lmqt.cli.ProgressBar;
import org.lmqt.cli.UserException;
import org.lmqt.eval.MemoryProbe;
import org.lmqt.io.FileTrees;
import org.lmqt.model.CommunitySnapshot;
import org.lmqt.model.ModelOptions;
import org.lmqt.model.QuantizedSnapshot;
import org.lmqt.model.QuantizedWeights;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.CommunityFormat;
import org.lmqt.quant.DjlHqq;
import org.lmqt.quant.MatrixChoice;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "quantize-model", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Quantizes every linear layer and writes a snapshot folder that --model accepts everywhere:",
                "hqq/rtn as the original deploys them (HQQLinear: codes packed in the fork's layouts, scales and zeros",
                "meta-quantized); gptq, awq, nf4 and int8 in the layouts transformers, vLLM, GPTQModel and AutoAWQ load",
                "(AutoGPTQ's qweight/qzeros/scales/g_idx, AutoAWQ's GEMM, transformers' bitsandbytes serialization);",
                "--algo smoothquant|zeroquant|fp8|fp4|mxfp8|mxfp4 with its --config: weights (int8 codes and scales",
                "where the format has them) and a recipe of the activation quantization that every loader reapplies."},
        footer = {"", "Examples:",
                "  ./jbang scripts/quantize-model.java --model out/pipeline/tiny-llama --config b4g64 --method hqq --output-dir out/tiny-b4g64",
                "  ./jbang scripts/quantize-model.java --model meta-llama/Llama-2-7b-hf --allocation quant-cfg-allot-mxq1.csv --output-dir snapshots/mxq-4_25",
                "  ./jbang scripts/quantize-model.java --model out/pipeline/tiny-llama --method gptq --config b4g64 --calib data/corpus/moby-dick-chapter-1.txt --calib-windows 16 --calib-length 128 --output-dir out/tiny-gptq-b4g64",
                "  ./jbang scripts/quantize-model.java --model out/pipeline/tiny-llama --algo smoothquant --config w8a8-qli-attn --calib data/corpus/moby-dick-chapter-1.txt --calib-windows 16 --calib-length 128 --output-dir out/tiny-sq",
                "  ./jbang scripts/quantize-model.java --model out/pipeline/tiny-llama --algo zeroquant --config qli-lkd --lkd-steps 50 --calib data/corpus/moby-dick-chapter-1.txt --calib-windows 16 --calib-length 128 --output-dir out/tiny-zq-lkd"})
class quantize_model implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Option(names = "--output-dir", required = true, paramLabel = "DIR", description = "Snapshot folder to write.")
    Path outputDir;

    @Option(names = "--algo", paramLabel = "ALGO",
            description = "An activation method instead of --method: smoothquant (configs w8a8[-tensor|-static|-qli]"
                    + "[-a<alpha>][-inplace][-attn], calibrated on --calib), zeroquant (qli, w8a8, w4a8 [-g<N>] "
                    + "[-lkd]), fp8 (e4m3, e5m2), fp4 (e2m1), mxfp8, mxfp4; --config defaults to the algo's first.")
    String algo;

    @Option(names = "--lkd-layers", paramLabel = "LIST",
            description = "zeroquant -lkd: layers to distil: last (qllm-infer's), all, or indices such as 0,3.")
    String lkdLayers;

    @Option(names = "--lkd-steps", paramLabel = "N", description = "zeroquant -lkd: AdamW steps per layer (600).")
    Integer lkdSteps;

    @Option(names = "--lkd-lr", paramLabel = "LR", description = "zeroquant -lkd: learning rate (5e-6).")
    Double lkdLr;

    @Option(names = "--lkd-batch", paramLabel = "N", description = "zeroquant -lkd: windows per step (4).")
    Integer lkdBatch;

    public static void main(String... args) {
        Cli.exit(new quantize_model(), args);
    }

    @Override
    public Integer call() {
        if (algo != null) {
            return saveFakeQuant();
        }
        if (lkdLayers != null || lkdSteps != null || lkdLr != null || lkdBatch != null) {
            throw new UserException("--lkd-* options belong to --algo zeroquant with a -lkd config");
        }
        try (Checkpoint ckpt = Checkpoint.open(options.model)) {
            if (options.calibrated()) {
                return saveCalibrated(ckpt);
            }
            QuantPlan plan = options.plan(ckpt.shortId())
                    .orElseThrow(() -> new UserException("give --config bXgY (with --method) or --allocation CSV"));
            if (plan.methods().stream().noneMatch(m -> m.isHqq())) {
                return saveBitsandbytes(ckpt, plan);
            }
            int linears = ckpt.config().numLayers() * ckpt.family().linearModules().size();
            QuantizedSnapshot.Saved saved;
            try (ProgressBar bar = new ProgressBar("quantize " + ckpt.shortId(), linears)) {
                saved = QuantizedSnapshot.save(ckpt, plan, DjlHqq.allCoresFor(options.device()), outputDir,
                        layer -> bar.step());
            }
            report(saved.sizeBytes(), ckpt, saved.quantSeconds());
        }
        return 0;
    }

    /**
     * gptq/awq: calibrated block by block (finished blocks kept beside the output, so a killed run resumes from the
     * last one), saved in AutoGPTQ's or AutoAWQ's layout.
     */
    private int saveCalibrated(Checkpoint ckpt) {
        CommunityFormat format = CommunityFormat.forMethod(options.method, QuantConfig.parse(options.config));
        Path blocks = outputDir.toAbsolutePath().resolveSibling("." + outputDir.getFileName() + ".blocks");
        MemoryProbe memory = new MemoryProbe(options.device());
        long start = System.nanoTime();
        WeightSource quantized;
        try (ProgressBar bar = new ProgressBar(options.method.name().toLowerCase() + " " + ckpt.shortId(),
                ckpt.config().numLayers())) {
            quantized = options.quantizeCalibrated(ckpt, layer -> {
                memory.sample();
                bar.step();
            }, Optional.of(blocks));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        report(CommunitySnapshot.save(ckpt, quantized, format, outputDir, p -> { }), ckpt, seconds);
        System.out.printf("peak memory while quantizing: %.1f MiB (%s, one block and its calibration states at a "
                + "time)%n", memory.peakBytes() / 1048576.0, memory.kind());
        try {
            FileTrees.delete(blocks);   // the snapshot is complete: the finished blocks are no longer needed
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return 0;
    }

    /** An activation method: its weights and the recipe of its activation quantization, in FakeQuantSnapshot. */
    private int saveFakeQuant() {
        Algo a = Algo.parse(algo);
        if (!a.isFakeQuant()) {
            throw new UserException("--algo takes smoothquant, zeroquant, fp8, fp4, mxfp8 or mxfp4 (use --method for "
                    + a.cliName() + ")");
        }
        if (options.allocation != null || options.weightQuant != null || options.actQuant != null) {
            throw new UserException("--algo takes --config only (not --allocation, --weight-quant or --act-quant)");
        }
        String config = options.config != null ? options.config : a.defaultConfigs().getFirst();
        String name = a.configName(config).orElseThrow(() -> new UserException("not a " + a.cliName() + " config: '"
                + config + "' (defaults: " + a.defaultConfigs() + ")"));
        boolean lkd = a == Algo.ZEROQUANT && FakeQuantRecipe.isLkd(name);
        if (!lkd && (lkdLayers != null || lkdSteps != null || lkdLr != null || lkdBatch != null)) {
            throw new UserException("--lkd-* options need --algo zeroquant with a -lkd config (e.g. qli-lkd)");
        }
        LkdConfig lkdConfig;
        try {
            LkdConfig d = LkdConfig.QLI;
            lkdConfig = new LkdConfig(lkdLayers != null ? lkdLayers : d.layers(), lkdSteps != null ? lkdSteps : d.steps(),
                    lkdBatch != null ? lkdBatch : d.batch(), d.optimizer());
            if (lkdLr != null) {
                lkdConfig = lkdConfig.withLr(lkdLr);
            }
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        try (Checkpoint ckpt = Checkpoint.open(options.model)) {
            long start = System.nanoTime();
            FakeQuantMethods.Quantized q;
            int steps = lkd ? lkdConfig.layerIndices(ckpt.config().numLayers()).size() * lkdConfig.steps() : 0;
            try (ProgressBar bar = lkd ? new ProgressBar("lkd " + ckpt.shortId(), steps) : null) {
                q = FakeQuantMethods.quantize(a.cliName(), name, ckpt, options.device(), () -> {
                    try (TextTokenizer tok = TextTokenizer.find(ckpt.dir()).orElseThrow(() -> new UserException(
                            ckpt.dir() + ": " + a.cliName() + " calibrates on text and needs the model's tokenizer.json"))) {
                        return options.calibration().windows(tok::encode);
                    }
                }, lkdConfig, (layer, step, loss) -> bar.step());
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            long bytes = FakeQuantSnapshot.save(ckpt, q.matrices(), q.replaced(), q.activations(), q.method(), outputDir);
            report(bytes, ckpt, seconds);
            if (q.method().has("lkd")) {
                System.out.println("lkd loss (first -> last step): " + q.method().get("lkd").get("loss"));
            }
        }
        return 0;
    }

    /** nf4/int8: quantized as read, saved in transformers' bitsandbytes serialization. */
    private int saveBitsandbytes(Checkpoint ckpt, QuantPlan plan) {
        MatrixChoice choice = plan.uniform().orElseThrow(() -> new UserException(
                "bitsandbytes snapshots take one --config for every layer, not an allocation"));
        long start = System.nanoTime();
        long bytes = CommunitySnapshot.save(ckpt, new QuantizedWeights(ckpt, plan, DjlHqq.allCoresFor(options.device())),
                CommunityFormat.forMethod(choice.method(), choice.config()), outputDir, p -> { });
        report(bytes, ckpt, (System.nanoTime() - start) / 1e9);
        return 0;
    }

    private void report(long bytes, Checkpoint ckpt, double seconds) {
        System.out.printf("wrote %s: %.2f MiB on disk (checkpoint %.2f MiB), quantized in %.2f s%n", outputDir,
                bytes / 1048576.0, ckpt.sizeBytes() / 1048576.0, seconds);
    }
}
