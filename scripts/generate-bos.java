///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Generate the branch-of-science (BoS) calibration set from a model behind an OpenAI-compatible API (resumable).
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.bos.BosCsv;
import org.lmqt.bos.BosGenerator;
import org.lmqt.bos.CompletionClient;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "generate-bos", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Builds the BoS calibration set (the original's utils/gen-ds-bos/generate.py): asks the model "
                + "for numbered sub-topics of every topic in the topics file (\"<Topic>\":<count> per line), then for "
                + "a short explanation of each, and writes its lines of >= 60 characters to "
                + "data-<short model id>-<variant>.csv (topic,text,timestamp). A rerun skips the sub-topics already "
                + "written."},
        footer = {"", "Example:", "  ./jbang scripts/serve.java --model out/tiny-llama --port 8000 &",
                "  ./jbang scripts/generate-bos.java -m tiny-llama -v lmqt --topic-file data/bos/topics-tiny.txt "
                + "--base-url http://127.0.0.1:8000/v1 --output-dir out/bos --split"})
class generate_bos implements Callable<Integer> {
    @Option(names = {"-m", "--model"}, required = true, description = "Served model name (e.g. meta-llama/Llama-2-7b-chat-hf).")
    String model;

    @Option(names = {"-v", "--variant"}, required = true, description = "Free text for the file names (e.g. vLLM).")
    String variant;

    @Option(names = {"-d", "--trace"}, description = "Write every raw answer to --llm-output-dir and print timings.")
    boolean trace;

    @Option(names = "--topic-file", defaultValue = "topics.txt", description = "Topics file (default: ${DEFAULT-VALUE}).")
    Path topicFile;

    @Option(names = "--llm-output-dir", defaultValue = "results",
            description = "Folder of the --trace logs (default: ${DEFAULT-VALUE}).")
    Path llmOutputDir;

    @Option(names = "--output-dir", defaultValue = ".", description = "Folder of the data CSV (default: the current one).")
    Path outputDir;

    @Option(names = "--base-url", defaultValue = "http://localhost:8000/v1",
            description = "OpenAI-compatible API base (default: ${DEFAULT-VALUE}).")
    URI baseUrl;

    @Option(names = "--api-key", paramLabel = "KEY", description = "Bearer key (default: $LMQT_API_KEY, else none).")
    String apiKey = System.getenv("LMQT_API_KEY");

    @Option(names = "--temperature", defaultValue = "0.6", description = "Sampling temperature (default: ${DEFAULT-VALUE}).")
    double temperature;

    @Option(names = "--max-tokens", defaultValue = "256", description = "max_tokens per answer (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--seed", description = "Seed the requests (each derived from it and its prompt); default: unseeded.")
    Long seed;

    @Option(names = "--concurrency", defaultValue = "1", description = "Requests in flight (default: ${DEFAULT-VALUE}).")
    int concurrency;

    @Option(names = "--retries", defaultValue = "4",
            description = "Retries on 429/5xx/timeouts/dropped connections (default: ${DEFAULT-VALUE}).")
    int retries;

    @Option(names = "--retry-delay", defaultValue = "1000", paramLabel = "MS",
            description = "First retry delay, doubled each time (default: ${DEFAULT-VALUE} ms).")
    long retryDelayMs;

    @Option(names = "--timeout", defaultValue = "300", paramLabel = "SECONDS",
            description = "Per-request timeout (default: ${DEFAULT-VALUE}).")
    long timeout;

    @Option(names = "--split", description = "Also write train.csv / test.csv (80/20 by bytes, on row boundaries).")
    boolean split;

    public static void main(String... args) {
        Cli.exit(new generate_bos(), args);
    }

    @Override
    public Integer call() throws InterruptedException {
        CompletionClient.Endpoint endpoint;
        BosGenerator.Settings settings;
        try {
            endpoint = new CompletionClient.Endpoint(baseUrl, Optional.ofNullable(apiKey).filter(k -> !k.isEmpty()),
                    model, temperature, maxTokens, seed == null ? OptionalLong.empty() : OptionalLong.of(seed),
                    Duration.ofSeconds(timeout), retries, Duration.ofMillis(retryDelayMs));
            settings = new BosGenerator.Settings(model, variant, trace, topicFile, llmOutputDir, outputDir, concurrency);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        BosGenerator.Summary s = new BosGenerator(settings, new CompletionClient(endpoint), System.err).run();
        System.out.println("wrote " + settings.output() + ": " + s.records() + " rows (" + s.newRecords() + " new; "
                + s.subTopics() + " sub-topics of " + s.topics() + " topics, " + s.skipped() + " already done)");
        if (split) {
            BosCsv.split(BosCsv.read(settings.output()), outputDir);
            System.out.println("wrote " + outputDir.resolve("train.csv") + " and " + outputDir.resolve("test.csv"));
        }
        return 0;
    }
}
