///usr/bin/env jbang "$0" "$@" ; exit $?
//JAVA 21+
//DESCRIPTION lm-eval's loglikelihood tasks (ARC, HellaSwag, PIQA, WinoGrande, BoolQ, OpenBookQA, LAMBADA, MMLU) on a model.
//SOURCES ../lib/src/**/*.java
//COMPILE_OPTIONS --add-modules=jdk.incubator.vector
//RUNTIME_OPTIONS --add-modules=jdk.incubator.vector
//JAVA_OPTIONS -Dai.djl.offline=true -DOPT_OUT_TRACKING=true

import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.function.Function;
import org.lmqt.Deps;
import org.lmqt.checkpoint.HubCache;
import org.lmqt.cli.Cli;
import org.lmqt.cli.ProgressBar;
import org.lmqt.cli.UserException;
import org.lmqt.eval.tasks.GroupEvaluation;
import org.lmqt.eval.tasks.LoglikelihoodScorer;
import org.lmqt.eval.tasks.TaskEvaluation;
import org.lmqt.eval.tasks.TaskFiles;
import org.lmqt.eval.tasks.TaskGroup;
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
                        + "lambada's perplexity and acc). Documents come from the Hugging Face hub cache (parquet, "
                        + "the dataset id, config and splits lm-eval loads; $HF_HUB_CACHE, else $HF_HOME/hub, else "
                        + "~/.cache/huggingface/hub), or from --data (JSON lines or parquet in the dataset's schema). "
                        + "Groups (mmlu, mmlu_stem, mmlu_other, mmlu_social_sciences, mmlu_humanities) run every "
                        + "subject found in the cache and report acc weighted by subject size, with pooled stderr."},
        footer = {"", "Examples:",
                "  ./jbang scripts/eval-tasks.java --model ../shared/fixtures/llama/tiny-llama-gqa-bf16 --task arc_easy \\",
                "      --data ../shared/fixtures/lm-eval/arc_easy.jsonl --ids",
                "  ./jbang scripts/eval-tasks.java --model meta-llama/Llama-2-7b-hf --task mmlu --num-fewshot 5"})
class eval_tasks implements Callable<Integer> {
    @Mixin
    ModelOptions modelOptions;

    @Option(names = "--task", required = true, paramLabel = "NAME",
            description = "arc_easy, arc_challenge, hellaswag, piqa, winogrande, boolq, openbookqa, lambada_openai, "
                    + "mmlu_<subject> (57 subjects), or a group: mmlu, mmlu_stem, mmlu_other, mmlu_social_sciences, "
                    + "mmlu_humanities.")
    String task;

    @Option(names = "--data", paramLabel = "FILE", description = "The evaluation documents (.jsonl or .parquet); "
            + "default: the task's eval split in the hub cache.")
    Path data;

    @Option(names = "--fewshot-data", paramLabel = "FILE", description = "The few-shot split's documents (.jsonl or "
            + ".parquet); default: with --data none, else the task's few-shot split in the hub cache.")
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
        Optional<TaskGroup> group = TaskGroup.byName(task);
        if (group.isPresent()) {
            return group(group.get());
        }
        TaskEvaluation eval = new TaskEvaluation(Tasks.byName(task), shots, seed);
        TaskFiles files = data != null ? TaskFiles.of(data, Optional.ofNullable(fewshotData))
                : TaskFiles.fromHubCache(eval.task(), HubCache.cacheDir(), shots);
        try (LoadedModel m = modelOptions.load();
             ProgressBar bar = new ProgressBar(task + " " + m.shortId(), eval.requests(files, limit()))) {
            TaskEvaluation.Outcome o = eval.run(m.model(), encoder(m), files, limit(), !noPrefixSharing,
                    i -> bar.step());
            bar.close();
            System.out.printf(Locale.ROOT, "%s (%s), %s, %d-shot: %d documents, %d requests, %.2f documents/s "
                            + "(prefix sharing %s)%n", m.shortId(), modelOptions.quantLabel(), task, shots,
                    o.documents(), o.requests(), o.documentsPerSecond(), sharing(m));
            print(o.metrics(), "  ");
        }
        return 0;
    }

    /** A task group: every member in the hub cache, then the group metrics. */
    private int group(TaskGroup g) {
        if (data != null || fewshotData != null) {
            throw new UserException("--task " + g.name() + " is a group; its tasks come from the hub cache, not --data");
        }
        GroupEvaluation eval = new GroupEvaluation(g, shots, seed);
        Map<String, TaskFiles> members = eval.cachedMembers(HubCache.cacheDir());
        try (LoadedModel m = modelOptions.load();
             ProgressBar bar = new ProgressBar(g.name() + " " + m.shortId(), eval.requests(members, limit()))) {
            GroupEvaluation.Outcome o = eval.run(m.model(), encoder(m), members, limit(), !noPrefixSharing,
                    i -> bar.step());
            bar.close();
            System.out.printf(Locale.ROOT, "%s (%s), %s, %d-shot: %d of %d tasks, %d documents, %d requests, "
                            + "%.2f documents/s (prefix sharing %s)%n", m.shortId(), modelOptions.quantLabel(),
                    g.name(), shots, o.tasks().size(), g.tasks().size(), o.documents(), o.requests(),
                    o.documents() / o.seconds(), sharing(m));
            if (!o.missing().isEmpty()) {
                System.out.println("  not in the hub cache: " + String.join(", ", o.missing().subList(0,
                        Math.min(4, o.missing().size()))) + (o.missing().size() > 4 ? " and "
                        + (o.missing().size() - 4) + " more" : ""));
            }
            o.groups().forEach((name, metrics) -> {
                System.out.printf(Locale.ROOT, "  %s (%d documents)%n", name, metrics.get("samples").intValue());
                print(Map.of("acc", metrics.get("acc"), "acc_stderr", metrics.get("acc_stderr")), "    ");
            });
            o.tasks().forEach((name, t) -> System.out.printf(Locale.ROOT, "  %-45s acc %.4f  (%d documents)%n",
                    name, t.metrics().get("acc"), t.documents()));
        }
        return 0;
    }

    /** Whether the scorer shares prefixes on this model (not on LLM.int8 layers or activation quantization). */
    private String sharing(LoadedModel m) {
        return new LoglikelihoodScorer(m.model(), !noPrefixSharing).sharesPrefixes() ? "on" : "off";
    }

    private Optional<Integer> limit() {
        return Optional.ofNullable(limit);
    }

    private Function<String, long[]> encoder(LoadedModel m) {
        return byteIds ? eval_tasks::bytes : m.requireTokenizer()::encode;
    }

    private static void print(Map<String, Double> metrics, String indent) {
        metrics.entrySet().stream().sorted(Map.Entry.comparingByKey())
                .forEach(e -> System.out.printf(Locale.ROOT, "%s%-16s %.4f%n", indent, e.getKey(), e.getValue()));
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
