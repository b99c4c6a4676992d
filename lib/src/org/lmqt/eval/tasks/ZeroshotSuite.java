package org.lmqt.eval.tasks;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.lmqt.cli.UserException;
import org.lmqt.model.LlamaModel;

/**
 * Several lm-eval tasks and groups on one model, their documents from the hub cache: the classic zero-shot set of
 * the Open LLM Leaderboard v1 runs ({@link #CLASSIC}), or the MMLU categories as groups of their own.
 *
 * @param tasks task and group names, each in {@link #CLASSIC} or a {@link TaskGroup}
 * @param shots few-shot examples per context, every task
 * @param seed  the few-shot seed
 * @param limit evaluate only the first documents of each task (of each subject for MMLU), as lm-eval's --limit
 */
public record ZeroshotSuite(List<String> tasks, int shots, long seed, Optional<Integer> limit) {
    /** The tasks: ARC, HellaSwag, PIQA, WinoGrande, BoolQ, OpenBookQA, LAMBADA and MMLU (a group). */
    public static final List<String> CLASSIC = List.of("arc_easy", "arc_challenge", "hellaswag", "piqa", "winogrande",
            "boolq", "openbookqa", "lambada_openai", "mmlu");

    public ZeroshotSuite {
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new UserException("no zero-shot task given");
        }
        for (String t : tasks) {
            if (!CLASSIC.contains(t) && TaskGroup.byName(t).isEmpty()) {
                throw new UserException("unknown zero-shot task " + t + " (known: " + String.join(", ", CLASSIC)
                        + ", and the MMLU categories " + TaskGroup.all().stream().skip(1).map(TaskGroup::name)
                        .toList() + ")");
            }
        }
        if (shots < 0) {
            throw new UserException("--num-fewshot must be 0 or more, not " + shots);
        }
        if (limit.isPresent() && limit.get() < 1) {
            throw new UserException("--limit must be at least 1, not " + limit.get());
        }
    }

    /** The tasks of {@link #CLASSIC} whose eval split is in {@code cache} (MMLU: any subject's). */
    public static List<String> cached(Path cache) {
        return CLASSIC.stream().filter(t -> TaskGroup.byName(t).map(g -> g.tasks().stream()
                .anyMatch(m -> isCached(Tasks.byName(m), cache))).orElseGet(() -> isCached(Tasks.byName(t), cache)))
                .toList();
    }

    private static boolean isCached(LoglikelihoodTask<?> t, Path cache) {
        return t.source().isCached(t.source().evalSplit(), cache);
    }

    /**
     * What a suite run measured.
     *
     * @param metrics   by task or group name (MMLU: {@code mmlu} and its categories), lm-eval's metric keys
     * @param documents documents evaluated
     * @param seconds   wall time of the run: reading the documents and scoring them
     */
    public record Result(Map<String, Map<String, Double>> metrics, int documents, double seconds) {
        public Result {
            metrics = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(metrics));
        }
    }

    /** Runs every task on {@code model}, text encoded by {@code encoder}, the documents from the hub cache. */
    public Result run(LlamaModel model, Function<String, long[]> encoder, Path cache, IntConsumer onRequest) {
        long start = System.nanoTime();
        Map<String, Map<String, Double>> metrics = new LinkedHashMap<>();
        int documents = 0;
        for (String name : tasks) {
            Optional<TaskGroup> group = TaskGroup.byName(name);
            if (group.isPresent()) {
                GroupEvaluation g = new GroupEvaluation(group.get(), shots, seed);
                GroupEvaluation.Outcome o = g.run(model, encoder, g.cachedMembers(cache), limit, onRequest);
                metrics.putAll(o.groups());
                documents += o.documents();
            } else {
                TaskEvaluation t = new TaskEvaluation(Tasks.byName(name), shots, seed);
                TaskEvaluation.Outcome o = t.run(model, encoder, TaskFiles.fromHubCache(t.task(), cache, shots),
                        limit, onRequest);
                metrics.put(name, o.metrics());
                documents += o.documents();
            }
        }
        return new Result(metrics, documents, (System.nanoTime() - start) / 1e9);
    }
}
