///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION Interactive terminal chat with any model lmqt runs (its chat template, history, /reset, /exit); --prompt-file for scripted turns.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.chat.ChatLoop;
import org.lmqt.chat.ChatSession;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.ModelOptions;
import org.lmqt.model.Sampling;
import org.lmqt.quant.kv.KvOptions;
import org.lmqt.serve.ChatTemplate;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "chat", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"Chat with a model in the terminal, for a quick look at what quantization does to answers: "
                + "the conversation is rendered with the model's chat template (tokenizer_config.json; lmqt's plain "
                + "'role: content' lines when it has none) and answered greedily or sampled. Type /reset to forget "
                + "the conversation, /exit (or end of input) to quit. --prompt-file runs one turn per line and "
                + "prints each answer."},
        footer = {"", "Example:", "  ./jbang scripts/make-tiny-llama.java --output-dir out/tiny-llama",
                "  printf 'Call me Ishmael.\\nWho are you?\\n' > /tmp/turns.txt",
                "  ./jbang scripts/chat.java --model out/tiny-llama \\",
                "      --prompt-file /tmp/turns.txt --max-new-tokens 16",
                "  ./jbang scripts/chat.java --model Qwen/Qwen2.5-0.5B-Instruct \\",
                "      --config b4g64 --temperature 0.7 --seed 1          # interactive"})
class chat implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Mixin
    KvOptions kvOptions;

    @Option(names = "--max-new-tokens", defaultValue = "256", description = "Tokens per answer at most (default: ${DEFAULT-VALUE}).")
    int maxNewTokens;

    @Option(names = "--temperature", defaultValue = "0", description = "0 = greedy (default); > 0 samples.")
    double temperature;

    @Option(names = "--top-p", defaultValue = "1", description = "Nucleus mass when sampling (default: ${DEFAULT-VALUE}).")
    double topP;

    @Option(names = "--seed", defaultValue = "0",
            description = "Seed of the draws; turn k samples with seed + k (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--system", paramLabel = "TEXT", description = "A system message at the start of the conversation.")
    String system;

    @Option(names = "--prompt-file", paramLabel = "FILE",
            description = "Run these turns (one per line; /reset and /exit work too) and print each answer.")
    Path promptFile;

    public static void main(String... args) {
        Cli.exit(new chat(), args);
    }

    @Override
    public Integer call() throws IOException {
        if (promptFile != null && !Files.isRegularFile(promptFile)) {
            throw new UserException("no such prompt file: " + promptFile);
        }
        Sampling sampling;
        try {
            sampling = new Sampling(temperature, seed, topP);
        } catch (IllegalArgumentException e) {
            throw new UserException(e.getMessage());
        }
        try (LoadedModel m = modelOptions.load()) {
            KvPolicy kv = kvOptions.applyTo(m);
            ChatTemplate template = ChatTemplate.of(m.dir());
            ChatSession session;
            try {
                session = new ChatSession(m.model(), m.requireTokenizer(), template, Optional.ofNullable(system),
                        sampling, maxNewTokens);
            } catch (IllegalArgumentException e) {
                throw new UserException(e.getMessage());
            }
            PrintWriter out = new PrintWriter(new java.io.OutputStreamWriter(System.out, StandardCharsets.UTF_8), true);
            boolean interactive = promptFile == null;
            if (interactive) {
                System.err.println(m.shortId() + " (" + modelOptions.quantLabel()
                        + (kv == KvPolicy.EXACT ? "" : ", kv " + kv.name()) + "), "
                        + (template.fromModel() ? "its chat template" : "plain template") + "; "
                        + ChatLoop.RESET + " forgets, " + ChatLoop.EXIT + " quits");
            }
            try (BufferedReader in = interactive
                    ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8))
                    : Files.newBufferedReader(promptFile, StandardCharsets.UTF_8)) {
                ChatLoop.run(session, in, out, interactive);
            } catch (UncheckedIOException e) {
                throw new UserException("cannot read the turns: " + e.getCause().getMessage());
            }
        }
        return 0;
    }
}
