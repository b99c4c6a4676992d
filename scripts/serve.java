///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Serve a model (checkpoint, HF id, snapshot, or quantized on the fly) behind an OpenAI-compatible HTTP API.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.ModelOptions;
import org.lmqt.serve.ChatTemplate;
import org.lmqt.serve.OpenAiServer;
import org.lmqt.serve.ServeSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "serve", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"OpenAI-compatible server on lmqt's runtime: GET /v1/models, POST /v1/completions and "
                + "/v1/chat/completions (stream: true for server-sent events). One model thread; a bounded queue "
                + "(503 + Retry-After when full). SIGTERM stops accepting and lets in-flight requests finish."},
        footer = {"", "Example:", "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny-llama",
                "  ./jbang scripts/serve.java --model out/tiny-llama --port 8000 --api-key token-abc123",
                "  curl -H 'Authorization: Bearer token-abc123' http://127.0.0.1:8000/v1/models"})
class serve implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--host", defaultValue = "127.0.0.1", description = "Address to bind (default: ${DEFAULT-VALUE}).")
    String host;

    @Option(names = "--port", defaultValue = "8000", description = "Port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port;

    @Option(names = "--api-key", paramLabel = "KEY",
            description = "Require 'Authorization: Bearer KEY' (default: $LMQT_API_KEY, else no key).")
    String apiKey = System.getenv("LMQT_API_KEY");

    @Option(names = "--served-model-name", paramLabel = "NAME",
            description = "Model name of the API (default: the model's short id).")
    String servedModelName;

    @Option(names = "--queue-size", defaultValue = "8",
            description = "Requests that may wait while one generates; more get 503 (default: ${DEFAULT-VALUE}).")
    int queueSize;

    @Option(names = "--request-timeout", defaultValue = "600", paramLabel = "SECONDS",
            description = "Longest wait in the queue before generation starts, then 503 (default: ${DEFAULT-VALUE}).")
    long requestTimeout;

    @Option(names = "--generation-timeout", defaultValue = "300", paramLabel = "SECONDS",
            description = "Longest generation; then it ends with finish_reason 'length' (default: ${DEFAULT-VALUE}).")
    long generationTimeout;

    @Option(names = "--shutdown-grace", defaultValue = "30", paramLabel = "SECONDS",
            description = "On SIGTERM, how long in-flight requests may take to finish (default: ${DEFAULT-VALUE}).")
    long shutdownGrace;

    public static void main(String... args) {
        Cli.exit(new serve(), args);
    }

    @Override
    public Integer call() throws InterruptedException {
        if (requestTimeout <= 0 || generationTimeout <= 0 || shutdownGrace <= 0) {
            throw new UserException("timeouts must be positive");
        }
        if (queueSize < 0) {
            throw new UserException("--queue-size must be >= 0");
        }
        LoadedModel m = modelOptions.load();
        ServeSettings settings;
        try {
            settings = new ServeSettings(host, port, Optional.ofNullable(apiKey).filter(k -> !k.isEmpty()),
                    servedModelName != null ? servedModelName : m.shortId(), queueSize,
                    Duration.ofSeconds(requestTimeout), Duration.ofSeconds(generationTimeout),
                    Duration.ofSeconds(shutdownGrace));
        } catch (IllegalArgumentException e) {
            m.close();
            throw new UserException(e.getMessage());
        }
        OpenAiServer server;
        try {
            server = OpenAiServer.start(m.model(), m.requireTokenizer(), ChatTemplate.of(m.dir()), settings);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("serve: shutting down (in-flight requests finish within " + shutdownGrace + " s)");
            server.close();
            m.close();
            stopped.countDown();
        }, "serve-shutdown"));
        System.out.println("serve: " + settings.modelName() + " (" + modelOptions.quantLabel() + ") on "
                + server.baseUrl() + (settings.apiKey().isPresent() ? " (API key required)" : ""));
        System.out.flush();
        stopped.await();
        return 0;
    }
}
