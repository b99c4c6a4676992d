///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Benchmark: eval-ppl tokens/s and HQQ quantization time on a seeded random ~100M-parameter Llama.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Xmx8g

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.cli.Cli;
import org.lmqt.cli.ProgressBar;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.EvalText;
import org.lmqt.eval.MemoryProbe;
import org.lmqt.eval.Perplexity;
import org.lmqt.eval.PerplexityResult;
import org.lmqt.model.ByteLevelTokenizerJson;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.QuantizedWeights;
import org.lmqt.quant.DjlHqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench-eval-ppl", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = "Writes a seeded random Llama (default ~95M parameters: 10 layers, width 768, vocab 32000, tied) "
                + "to a temporary folder, measures eval-ppl's tokens/s over a few 1024-token windows of a text, and "
                + "the wall time of quantizing all its linear layers with HQQ. When python3 with torch is there "
                + "($LMQT_PYTHON), the same windows also run through a PyTorch eager Llama "
                + "(scripts/reference/llama_eager_ppl.py) for side-by-side speed and peak memory.",
        footer = {"", "Example:", "  ./jbang scripts/bench-eval-ppl.java --text ../shared/corpus/moby-dick.txt --windows 4"})
class bench_eval_ppl implements Callable<Integer> {
    @Option(names = "--text", required = true, paramLabel = "FILE", description = "Text to evaluate on.")
    Path text;

    @Option(names = "--windows", defaultValue = "4", description = "Windows to evaluate (default: ${DEFAULT-VALUE}).")
    int windows;

    @Option(names = "--layers", defaultValue = "10", description = "Decoder blocks (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "768", description = "Width (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--intermediate", defaultValue = "2048", description = "MLP width (default: ${DEFAULT-VALUE}).")
    int intermediate;

    @Option(names = "--config", defaultValue = "b4g64", description = "Quantization config timed (default: ${DEFAULT-VALUE}).")
    String config;

    @Option(names = "--device", paramLabel = "cpu|cuda", description = "Device (default: $LMQT_DEVICE, else cpu).")
    String device;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random model (default: ${DEFAULT-VALUE}).")
    long seed;

    public static void main(String... args) {
        Cli.exit(new bench_eval_ppl(), args);
    }

    @Override
    public Integer call() throws Exception {
        Path dir = Files.createTempDirectory("lmqt-bench-");
        try {
            TinyLlama spec = new TinyLlama(layers, hidden, intermediate, hidden / 64, hidden / 64, 32000, 2048,
                    10000.0, true, DType.F16, seed);
            spec.write(dir);
            ByteLevelTokenizerJson.write(dir, 32000);
            ComputeDevice dev = device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device);
            Perplexity protocol = Perplexity.ORIGINAL;
            Optional<com.fasterxml.jackson.databind.JsonNode> reference;
            try (LoadedModel m = LoadedModel.open(dir.toString(), dev)) {
                long params;
                try (Checkpoint ckpt = Checkpoint.open(dir)) {
                    params = ckpt.tensorNames().stream().mapToLong(ckpt::numel).sum();
                }
                long[] ids = m.requireTokenizer().encode(EvalText.plain(text));
                ids = Arrays.copyOf(ids, Math.min(ids.length, windows * protocol.stride()));
                // one warm-up window, then the measured run
                protocol.evaluate(m.model(), Arrays.copyOf(ids, protocol.stride()), new MemoryProbe(dev), k -> { });
                PerplexityResult r;
                MemoryProbe memory = new MemoryProbe(dev);
                try (ProgressBar bar = new ProgressBar("eval-ppl", protocol.windows(ids.length).length)) {
                    r = protocol.evaluate(m.model(), ids, memory, k -> bar.step());
                }
                reference = PyTorchReference.run(dir, ids, protocol);
                System.out.printf(Locale.ROOT, "model: %,d parameters (%d layers, hidden %d, intermediate %d, vocab 32000),"
                        + " device %s, %s threads%n", params, layers, hidden, intermediate, dev,
                        Optional.ofNullable(System.getenv("LMQT_THREADS")).orElse("default"));
                System.out.printf(Locale.ROOT, "eval-ppl: %d windows (max length %d, stride %d), %.3f s/window, "
                                + "%.1f tokens/s, ppl %.4f, peak RSS while evaluating %.0f MiB%n", r.windows(),
                        protocol.maxLength(), protocol.stride(), r.meanWindowSeconds(), r.tokensPerSecond(),
                        r.perplexity(), memory.peakTotalBytes() / 1048576.0);
                if (reference.isEmpty()) {
                    System.out.println("pytorch eager: not measured (needs python3 with torch; set LMQT_PYTHON)");
                } else {
                    var ref = reference.get();
                    System.out.printf(Locale.ROOT, "pytorch eager %s (%d threads): %.3f s/window, %.1f tokens/s, "
                                    + "ppl %.4f, peak RSS while evaluating %.0f MiB%n", ref.path("torch").asText(),
                            ref.path("threads").asInt(), ref.path("seconds_per_window").asDouble(),
                            ref.path("tokens_per_s").asDouble(), ref.path("ppl").asDouble(),
                            ref.path("peak_rss_bytes").asDouble() / 1048576.0);
                    System.out.printf(Locale.ROOT, "lmqt / pytorch: peak memory %.2fx, tokens/s %.2fx%n",
                            memory.peakTotalBytes() / ref.path("peak_rss_bytes").asDouble(),
                            r.tokensPerSecond() / ref.path("tokens_per_s").asDouble());
                }
            }
            QuantPlan plan = QuantPlan.uniform(QuantMethod.HQQ, QuantConfig.parse(config));
            try (Checkpoint ckpt = Checkpoint.open(dir)) {
                QuantizedWeights q = new QuantizedWeights(ckpt, plan, DjlHqq.allCoresFor(dev));
                var keys = ckpt.tensorNames().stream().flatMap(n -> MatrixKey.ofWeight(n, ckpt.family()).stream())
                        .toList();
                long quantParams = keys.stream().mapToLong(k -> ckpt.numel(k.weightName(ckpt.family()))).sum();
                long start = System.nanoTime();
                try (ProgressBar bar = new ProgressBar("hqq " + config, keys.size())) {
                    for (MatrixKey k : keys) {
                        q.quantized(k);
                        bar.step();
                    }
                }
                double s = (System.nanoTime() - start) / 1e9;
                System.out.printf(Locale.ROOT, "hqq %s: %d matrices, %,d parameters quantized in %.1f s (%.1f M params/s)%n",
                        config, keys.size(), quantParams, s, quantParams / s / 1e6);
            }
        } finally {
            try (var files = Files.walk(dir)) {
                files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }

    /** The same windows through {@code scripts/reference/llama_eager_ppl.py} in PyTorch eager, when it is there. */
    static final class PyTorchReference {
        static Optional<com.fasterxml.jackson.databind.JsonNode> run(Path model, long[] ids, Perplexity protocol)
                throws Exception {
            String python = Optional.ofNullable(System.getenv("LMQT_PYTHON")).orElse("python3");
            Path script = Path.of(System.getProperty("lmqt.root", "."), "scripts", "reference", "llama_eager_ppl.py");
            if (!Files.isRegularFile(script)) {
                script = Path.of("scripts", "reference", "llama_eager_ppl.py");
            }
            Path idsFile = Files.createTempFile("lmqt-ids", ".txt");
            try {
                Files.write(idsFile, Arrays.stream(ids).mapToObj(Long::toString).toList());
                Process p = new ProcessBuilder(python, script.toString(), model.toString(), idsFile.toString(),
                        Integer.toString(protocol.maxLength()), Integer.toString(protocol.stride()))
                        .redirectError(ProcessBuilder.Redirect.DISCARD).start();
                String out = new String(p.getInputStream().readAllBytes()).strip();
                if (p.waitFor() != 0 || out.isEmpty()) {
                    return Optional.empty();
                }
                return Optional.of(new com.fasterxml.jackson.databind.ObjectMapper().readTree(out.lines()
                        .reduce((a, b) -> b).orElse("")));
            } catch (java.io.IOException e) {
                return Optional.empty();
            } finally {
                Files.deleteIfExists(idsFile);
            }
        }
    }
}
