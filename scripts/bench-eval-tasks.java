///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Benchmark: eval-tasks documents/s with and without prefix sharing on a seeded random tiny Llama.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.cli.Cli;
import org.lmqt.cli.ProgressBar;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.tasks.PrefixSharingComparison;
import org.lmqt.eval.tasks.TaskEvaluation;
import org.lmqt.eval.tasks.Tasks;
import org.lmqt.model.ByteLevelTokenizerJson;
import org.lmqt.model.LoadedModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "bench-eval-tasks", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Benchmark: eval-tasks documents/s with and without prefix sharing on a seeded random tiny Llama.",
                "Writes a seeded random Llama (default 4 layers, width 256, vocab 512, 2048 positions) with a "
                        + "byte-level tokenizer to a temporary folder (or takes --model), then scores one task's "
                        + "documents both ways (the requests sharing their common token prefixes, and one "
                        + "forward per request), the faster of --repeats runs each, and prints documents/s (wall "
                        + "time, and per second of process CPU time, the mean of the runs), the ratios, the tokens "
                        + "run each way and the largest relative metric difference (0 when the predictions agree)."},
        footer = {"", "Example:",
                "  ./jbang scripts/bench-eval-tasks.java --task hellaswag --num-fewshot 2 \\",
                "      --data ../shared/fixtures/lm-eval/hellaswag.jsonl \\",
                "      --fewshot-data ../shared/fixtures/lm-eval/hellaswag.train.jsonl"})
class bench_eval_tasks implements Callable<Integer> {
    @Option(names = "--task", required = true, paramLabel = "NAME", description = "An eval-tasks task (arc_easy, hellaswag, ...).")
    String task;

    @Option(names = "--data", required = true, paramLabel = "JSONL", description = "The evaluation documents.")
    Path data;

    @Option(names = "--fewshot-data", paramLabel = "JSONL", description = "The few-shot split's documents.")
    Path fewshotData;

    @Option(names = "--num-fewshot", defaultValue = "0", description = "Few-shot examples (default: ${DEFAULT-VALUE}).")
    int shots;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N documents.")
    Integer limit;

    @Option(names = "--repeats", defaultValue = "3", description = "Runs each way; the fastest counts (default: ${DEFAULT-VALUE}).")
    int repeats;

    @Option(names = "--model", paramLabel = "DIR", description = "A model folder with tokenizer.json instead of the random one.")
    String model;

    @Option(names = "--layers", defaultValue = "4", description = "Decoder blocks of the random model (default: ${DEFAULT-VALUE}).")
    int layers;

    @Option(names = "--hidden", defaultValue = "256", description = "Width of the random model (default: ${DEFAULT-VALUE}).")
    int hidden;

    @Option(names = "--device", paramLabel = "cpu|cuda", description = "Device (default: $LMQT_DEVICE, else cpu).")
    String device;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the random model (default: ${DEFAULT-VALUE}).")
    long seed;

    public static void main(String... args) {
        Cli.exit(new bench_eval_tasks(), args);
    }

    @Override
    public Integer call() throws Exception {
        if (repeats < 1) {
            throw new org.lmqt.cli.UserException("--repeats must be at least 1, not " + repeats);
        }
        TaskEvaluation eval = new TaskEvaluation(Tasks.byName(task), shots, 1234);
        Optional<Path> pool = Optional.ofNullable(fewshotData);
        Optional<Integer> docs = Optional.ofNullable(limit);
        ComputeDevice dev = device == null ? ComputeDevice.fromEnvironment() : ComputeDevice.parse(device);
        Path dir = model == null ? Files.createTempDirectory("lmqt-bench-") : null;
        try {
            if (dir != null) {
                new TinyLlama(layers, hidden, hidden * 11 / 4, hidden / 64, Math.max(1, hidden / 128), 512, 2048,
                        10000.0, false, DType.F32, seed).write(dir);
                ByteLevelTokenizerJson.write(dir, 512);
            }
            try (LoadedModel m = LoadedModel.open(dir != null ? dir.toString() : model, dev)) {
                var encoder = (java.util.function.Function<String, long[]>) m.requireTokenizer()::encode;
                PrefixSharingComparison c;
                try (ProgressBar bar = new ProgressBar(task + " both ways",
                        2L * repeats * eval.requests(data, pool, docs))) {
                    c = PrefixSharingComparison.measure(eval, m.model(), encoder, data, pool, docs, repeats,
                            i -> bar.step());
                }
                System.out.printf(Locale.ROOT, "model: %s, %d layers, hidden %d, device %s, %s threads%n",
                        dir != null ? "seeded random Llama" : m.shortId(), m.model().numLayers(),
                        m.model().config().hiddenSize(), dev,
                        Optional.ofNullable(System.getenv("LMQT_THREADS")).orElse("default"));
                System.out.printf(Locale.ROOT, "%s, %d-shot: %d documents, %d requests (fastest of %d runs)%n", task,
                        shots, c.shared().documents(), c.shared().requests(), repeats);
                int n = c.shared().documents();
                System.out.printf(Locale.ROOT, "  one forward per request: %8.2f documents/s, %8.2f documents per "
                        + "CPU second%n", c.alone().documentsPerSecond(), n / c.aloneCpuSeconds());
                System.out.printf(Locale.ROOT, "  shared prefixes:         %8.2f documents/s, %8.2f documents per "
                        + "CPU second%n", c.shared().documentsPerSecond(), n / c.sharedCpuSeconds());
                System.out.printf(Locale.ROOT, "  ratio %.2fx (CPU time %.2fx); tokens run %,d shared, %,d alone "
                                + "(%.2fx); largest relative metric difference %.3g%n", c.speedup(), c.cpuSpeedup(),
                        c.sharedTokens(), c.aloneTokens(), (double) c.aloneTokens() / c.sharedTokens(),
                        c.maxMetricDifference());
            }
        } finally {
            if (dir != null) {
                try (var files = Files.walk(dir)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        return 0;
    }
}
