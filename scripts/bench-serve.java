///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Benchmark serve: N concurrent clients on loopback; throughput, latency p50/p95/p99, no request lost or answered twice.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.ModelOptions;
import org.lmqt.serve.ChatTemplate;
import org.lmqt.serve.LoadTest;
import org.lmqt.serve.OpenAiServer;
import org.lmqt.serve.ServeSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "bench-serve", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Starts serve in-process on loopback and sends --requests greedy completions from --clients "
                + "concurrent clients; prints throughput, latency p50/p95/p99 and whether every request got exactly "
                + "one answer of its own. A benchmark, not a test."},
        footer = {"", "Example:", "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny-llama",
                "  ./jbang scripts/bench-serve.java --model out/tiny-llama --clients 8 --requests 200 --max-tokens 32"})
class bench_serve implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--clients", defaultValue = "8", description = "Concurrent clients (default: ${DEFAULT-VALUE}).")
    int clients;

    @Option(names = "--requests", defaultValue = "200", description = "Requests in all (default: ${DEFAULT-VALUE}).")
    int requests;

    @Option(names = "--max-tokens", defaultValue = "32", description = "max_tokens per request (default: ${DEFAULT-VALUE}).")
    int maxTokens;

    @Option(names = "--prompt", defaultValue = "Call me Ishmael. Some years ago", description = "Prompt text.")
    String prompt;

    public static void main(String... args) {
        Cli.exit(new bench_serve(), args);
    }

    @Override
    public Integer call() throws InterruptedException {
        if (clients < 1 || requests < 1 || maxTokens < 1) {
            throw new UserException("--clients, --requests and --max-tokens must be >= 1");
        }
        try (LoadedModel m = modelOptions.load();
             OpenAiServer server = OpenAiServer.start(m.model(), m.requireTokenizer(), ChatTemplate.of(m.dir()),
                     ServeSettings.loopback("bench").withWaitingSlots(clients))) {
            System.err.println("bench-serve: " + clients + " clients, " + requests + " requests of " + maxTokens
                    + " tokens on " + server.baseUrl());
            LoadTest.Report r = new LoadTest(server.baseUrl(), "bench", clients, requests, maxTokens, prompt).run();
            System.out.println(r.summary());
            return r.lost() == 0 && r.duplicated() == 0 && r.failed().isEmpty() ? 0 : 1;
        }
    }
}
