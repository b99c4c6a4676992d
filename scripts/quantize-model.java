///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Quantize every linear layer of a model (uniform bXgY with hqq/rtn, or an MXQ allocation) and save a quantized snapshot.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.cli.Cli;
import org.lmqt.cli.ProgressBar;
import org.lmqt.cli.UserException;
import org.lmqt.model.ModelOptions;
import org.lmqt.model.QuantizedSnapshot;
import org.lmqt.quant.DjlHqq;
import org.lmqt.quant.QuantPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "quantize-model", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Quantizes every linear layer as the original deploys it (HQQLinear: codes packed in the fork's",
                "layouts, scales and zeros meta-quantized) and writes a snapshot folder that --model accepts everywhere."},
        footer = {"", "Examples:",
                "  ./jbang scripts/quantize-model.java --model out/pipeline/tiny-llama --config b4g64 --method hqq --output-dir out/tiny-b4g64",
                "  ./jbang scripts/quantize-model.java --model meta-llama/Llama-2-7b-hf --allocation quant-cfg-allot-mxq1.csv --output-dir snapshots/mxq-4_25"})
class quantize_model implements Callable<Integer> {
    @Mixin
    ModelOptions options;

    @Option(names = "--output-dir", required = true, paramLabel = "DIR", description = "Snapshot folder to write.")
    Path outputDir;

    public static void main(String... args) {
        Cli.exit(new quantize_model(), args);
    }

    @Override
    public Integer call() {
        try (Checkpoint ckpt = Checkpoint.open(options.model)) {
            QuantPlan plan = options.plan(ckpt.shortId())
                    .orElseThrow(() -> new UserException("give --config bXgY (with --method) or --allocation CSV"));
            int linears = ckpt.config().numLayers() * ckpt.family().linearModules().size();
            QuantizedSnapshot.Saved saved;
            try (ProgressBar bar = new ProgressBar("quantize " + ckpt.shortId(), linears)) {
                saved = QuantizedSnapshot.save(ckpt, plan, DjlHqq.allCoresFor(options.device()), outputDir,
                        layer -> bar.step());
            }
            System.out.printf("wrote %s: %.2f MiB on disk (checkpoint %.2f MiB), quantized in %.2f s%n", saved.dir(),
                    saved.sizeBytes() / 1048576.0, ckpt.sizeBytes() / 1048576.0, saved.quantSeconds());
        }
        return 0;
    }
}
