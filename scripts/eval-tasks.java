///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION lm-eval's loglikelihood tasks (ARC, HellaSwag, PIQA, WinoGrande, BoolQ, OpenBookQA, LAMBADA, MMLU) on a model.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.Callable;
import org.lmqt.Deps;
import org.lmqt.cli.Cli;
import org.lmqt.cli.ProgressBar;
import org.lmqt.eval.tasks.LoglikelihoodScorer;
import org.lmqt.eval.tasks.TaskEvaluation;
import org.lmqt.eval.tasks.Tasks;
import org.lmqt.model.LoadedModel;
import org.lmqt.model.ModelOptions;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

@Command(name = "eval-tasks", mixinStandardHelpOptions = true, version = Deps.VERSION,
        description = {"lm-eval's loglikelihood tasks (ARC, HellaSwag, PIQA, WinoGrande, BoolQ, OpenBookQA, LAMBADA, MMLU) on a model.",
                "Requests built as lm-evaluation-harness builds them (context, target delimiter, continuation; "
                        + "few-shot contexts with its seed), each scored as the sum of the continuation's "
                        + "log-probabilities; prints the task's metrics (acc, acc_norm with standard errors; "
                        + "lambada's perplexity and acc). Documents are JSON lines in the dataset's schema."},
        footer = {"", "Example:",
                "  ./jbang scripts/eval-tasks.java --model ../shared/fixtures/llama/tiny-llama-gqa-bf16 --task arc_easy \\",
                "      --data ../shared/fixtures/lm-eval/arc_easy.jsonl --ids"})
class eval_tasks implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--task", required = true, paramLabel = "NAME",
            description = "arc_easy, arc_challenge, hellaswag, piqa, winogrande, boolq, openbookqa, lambada_openai, "
                    + "mmlu_<subject>.")
    String task;

    @Option(names = "--data", required = true, paramLabel = "JSONL", description = "The evaluation documents.")
    Path data;

    @Option(names = "--fewshot-data", paramLabel = "JSONL", description = "The few-shot split's documents.")
    Path fewshotData;

    @Option(names = "--num-fewshot", defaultValue = "0", description = "Few-shot examples (default: ${DEFAULT-VALUE}).")
    int shots;

    @Option(names = "--fewshot-seed", defaultValue = "1234", description = "Few-shot seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--limit", paramLabel = "N", description = "Evaluate only the first N documents.")
    Integer limit;

    @Option(names = "--no-prefix-sharing", description = "Run one forward per request instead of running once "
            + "each token prefix that several requests share (same results up to float32 rounding; for comparing "
            + "speed). LLM.int8 layers and --act-quant never share.")
    boolean noPrefixSharing;

    @Option(names = "--ids", description = "Models without tokenizer.json: encode text as UTF-8 bytes + 3 "
            + "(the byte-level ids of make-tiny-llama), for smoke tests.")
    boolean byteIds;

    public static void main(String... args) {
        Cli.exit(new eval_tasks(), args);
    }

    @Override
    public Integer call() {
        TaskEvaluation eval = new TaskEvaluation(Tasks.byName(task), shots, seed);
        Optional<Path> pool = Optional.ofNullable(fewshotData);
        try (LoadedModel m = modelOptions.load();
             ProgressBar bar = new ProgressBar(task + " " + m.shortId(),
                     eval.requests(data, pool, Optional.ofNullable(limit)))) {
            var encoder = byteIds ? (java.util.function.Function<String, long[]>) eval_tasks::bytes
                    : (java.util.function.Function<String, long[]>) m.requireTokenizer()::encode;
            TaskEvaluation.Outcome o = eval.run(m.model(), encoder, data, pool, Optional.ofNullable(limit),
                    !noPrefixSharing, i -> bar.step());
            bar.close();
            boolean shared = new LoglikelihoodScorer(m.model(), !noPrefixSharing).sharesPrefixes();
            System.out.printf(Locale.ROOT, "%s (%s), %s, %d-shot: %d documents, %d requests, %.2f documents/s "
                            + "(prefix sharing %s)%n", m.shortId(), modelOptions.quantLabel(), task, shots,
                    o.documents(), o.requests(), o.documentsPerSecond(), shared ? "on" : "off");
            o.metrics().entrySet().stream().sorted(java.util.Map.Entry.comparingByKey())
                    .forEach(e -> System.out.printf(Locale.ROOT, "  %-16s %.4f%n", e.getKey(), e.getValue()));
        }
        return 0;
    }

    /** UTF-8 bytes + 3, with a leading BOS (id 1), as the byte-level tokenizer of make-tiny-llama encodes. */
    private static long[] bytes(String text) {
        byte[] b = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        long[] ids = new long[b.length + 1];
        ids[0] = 1;
        for (int i = 0; i < b.length; i++) {
            ids[i + 1] = (b[i] & 0xff) % 253 + 3;
        }
        return ids;
    }
}
