///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Benchmark: forward tokens/s of a seeded random Llama with and without activation fake quantization.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true -Xmx8g

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.actquant.FakeQuantBench;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LoadedModel;
import org.lmqt.quant.act.ActFormat;
import org.lmqt.quant.act.FakeQuantFormats;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench-fakequant", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = "Writes a seeded random Llama to a temporary folder and measures the tokens/s of full-sequence "
                + "forward passes (no head) without and with each activation fake-quantization format (the hook of "
                + "--act-quant), with the ratio to the plain model: by wall time, and by the main thread's CPU time, which "
                + "with LMQT_THREADS=1 (libtorch on the calling thread) does not depend on the machine's load.",
        footer = {"", "Example:", "  LMQT_THREADS=1 ./jbang scripts/bench-fakequant.java --formats int8,zq-int8,e4m3,mxfp8,mxfp4 --reps 5"})
class bench_fakequant implements Callable<Integer> {
    @Option(names = "--formats", arity = "1..*", defaultValue = "int8,zq-int8,e4m3,mxfp8,mxfp4", split = ",",
            description = "Activation formats (default: ${DEFAULT-VALUE}).")
    List<String> formats;

    @Option(names = "--tokens", defaultValue = "256", description = "Sequence length (default: ${DEFAULT-VALUE}).")
    int tokens;

    @Option(names = "--reps", defaultValue = "5", description = "Timed rounds; a format's speed is its fastest pass (default: ${DEFAULT-VALUE}).")
    int reps;

    @Option(names = "--layers", defaultValue = "4", description = "Decoder blocks (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "512", description = "Width (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--intermediate", defaultValue = "1376", description = "MLP width (default: ${DEFAULT-VALUE}).")
    int intermediate;

    @Option(names = "--device", paramLabel = "cpu|cuda", description = "Device (default: $LMQT_DEVICE, else cpu).")
    String device;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the model and the tokens (default: ${DEFAULT-VALUE}).")
    long seed;

    public static void main(String... args) {
        Cli.exit(new bench_fakequant(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (tokens < 1 || tokens > 2048) {
            throw new UserException("--tokens must be in 1..2048");
        }
        List<ActFormat> acts = formats.stream().map(f -> {
            try {
                return FakeQuantFormats.activation(f);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
        }).toList();
        Path dir = Files.createTempDirectory("lmqt-bench-fq-");
        try {
            new TinyLlama(layers, hidden, intermediate, hidden / 64, hidden / 64, 4096, 2048, 10000.0, true,
                    DType.F16, seed).write(dir);
            long[] ids = new Random(seed).longs(tokens, 0, 4096).toArray();
            ComputeDevice dev = device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device);
            try (LoadedModel m = LoadedModel.open(dir.toString(), dev)) {
                System.out.printf(Locale.ROOT, "model: %d layers, width %d, MLP %d, %s; %d tokens, best of %d passes%n",
                        layers, hidden, intermediate, dev, tokens, reps);
                System.out.printf(Locale.ROOT, "%-14s %12s %8s %16s %10s%n", "act format", "tokens/s", "ratio",
                        "tokens/CPU-s", "CPU ratio");
                FakeQuantBench.run(m.model(), ids, reps, acts, r -> System.out.printf(Locale.ROOT,
                        "%-14s %12.1f %8.3f %16.1f %10.3f%n", r.format(), r.tokensPerSecond(), r.ratio(),
                        r.cpuTokensPerSecond(), r.cpuRatio()));
            }
        } finally {
            try (var walk = Files.walk(dir)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
        return 0;
    }
}
