///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Run lmqt's main job on an embedded default: tiny Llama -> metadata -> MXQ -> quantize -> evaluate -> figures.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.cli.Cli;
import org.lmqt.device.ComputeDevice;
import org.lmqt.pipeline.Pipeline;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "pipeline", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Runs the whole lmqt pipeline on a tiny seeded Llama: checkpoint -> metadata (FNorm, kurtosis,",
                "weight distribution) -> MXQ allocation at 4.25 bits -> HQQ b4g64 and MXQ snapshots -> perplexity",
                "(experiment harness) -> figures. A rerun skips finished steps."},
        footer = {"", "Example:", "  ./jbang scripts/pipeline.java --output-dir out/pipeline"})
class pipeline implements Callable<Integer> {
    @Option(names = "--output-dir", paramLabel = "DIR", description = "Where everything goes (default: ${DEFAULT-VALUE}).")
    Path outputDir = Path.of("out/pipeline");

    @Option(names = "--seed", description = "Seed of the tiny model (default: ${DEFAULT-VALUE}).")
    long seed = TinyLlama.DEFAULT.seed();

    @Option(names = "--text", paramLabel = "FILE", description = "Text for perplexity (default: ${DEFAULT-VALUE}).")
    Path text = Pipeline.CORPUS;

    @Option(names = "--threads", description = "Worker threads (default: all cores, ${DEFAULT-VALUE}).")
    int threads = Runtime.getRuntime().availableProcessors();

    public static void main(String... args) {
        Cli.exit(new pipeline(), args);
    }

    @Override
    public Integer call() {
        TinyLlama d = TinyLlama.DEFAULT;
        TinyLlama model = new TinyLlama(d.layers(), d.hidden(), d.intermediate(), d.heads(), d.kvHeads(), d.vocab(),
                d.maxPositions(), d.ropeTheta(), d.tied(), d.dtype(), seed);
        Pipeline pipeline = new Pipeline(outputDir, model, text, threads, ComputeDevice.fromEnvironment());
        for (Pipeline.StepResult r : pipeline.run()) {
            System.out.printf("%-11s %s %s%n", r.step(), r.skipped() ? "done before:" : "wrote", r.output());
        }
        System.out.printf("%n%-18s %8s %12s %10s %10s %10s%n", "method", "bits/par", "perplexity", "vs fp16",
                "KL(fp16)", "top-1 =");
        for (Pipeline.Headline h : pipeline.headlines()) {
            String kl = Double.isNaN(h.kld()) ? String.format("%10s %10s", "n/a", "n/a")
                    : String.format(java.util.Locale.ROOT, "%10.5f %9.2f%%", h.kld(), 100 * h.top1Agree());
            System.out.printf(java.util.Locale.ROOT, "%-18s %8.3f %12.4f %+9.2f%% %s%n", h.method(), h.bits(),
                    h.perplexity(), h.changePercent(), kl);
        }
        return 0;
    }
}
