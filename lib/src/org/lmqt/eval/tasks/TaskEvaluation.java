package org.lmqt.eval.tasks;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.lmqt.cli.UserException;
import org.lmqt.model.LlamaModel;

/**
 * One lm-eval task on one model: its documents (and few-shot pool) from JSON-lines or parquet files in the dataset's
 * schema (see {@link TaskFiles#fromHubCache} for the hub cache), the requests as lm-eval builds them, scored together
 * by {@link LoglikelihoodScorer} (their common token prefixes run once), then the task's metrics.
 *
 * @param task  the task
 * @param shots few-shot examples per context (0 for zero-shot)
 * @param seed  the few-shot seed ({@code 1234}, lm-eval's default)
 */
public record TaskEvaluation(LoglikelihoodTask<?> task, int shots, long seed) {

    public TaskEvaluation {
        if (shots < 0) {
            throw new UserException("--num-fewshot must be 0 or more, not " + shots);
        }
    }

    /**
     * What one evaluation measured.
     *
     * @param metrics   the task's metrics ({@code acc}, {@code acc_stderr}, ...)
     * @param documents documents evaluated
     * @param requests  loglikelihood requests scored
     * @param seconds   wall time of scoring
     */
    public record Outcome(Map<String, Double> metrics, int documents, int requests, double seconds) {
        public Outcome {
            metrics = Map.copyOf(metrics);
        }

        /** Documents scored per second. */
        public double documentsPerSecond() {
            return documents / seconds;
        }
    }

    /**
     * Evaluates {@code model} on the documents of {@code docs} (the first {@code limit} when given), the few-shot
     * contexts drawn from {@code pool}, text encoded by {@code encoder} (the model's tokenizer, with its special
     * tokens); {@code onRequest} sees each scored request.
     */
    public Outcome run(LlamaModel model, Function<String, long[]> encoder, Path docs, Optional<Path> pool,
                       Optional<Integer> limit, IntConsumer onRequest) {
        return run(model, encoder, docs, pool, limit, true, onRequest);
    }

    /**
     * As {@link #run(LlamaModel, Function, Path, Optional, Optional, IntConsumer)}; with {@code sharePrefixes} the
     * requests share their common token prefixes ({@link LoglikelihoodScorer#score(List)}), else each runs its own
     * forward; {@code onRequest} sees each request as it is scored (not in order when shared).
     */
    public Outcome run(LlamaModel model, Function<String, long[]> encoder, Path docs, Optional<Path> pool,
                       Optional<Integer> limit, boolean sharePrefixes, IntConsumer onRequest) {
        return run(model, encoder, TaskFiles.of(docs, pool), limit, sharePrefixes, onRequest);
    }

    /** As {@link #run(LlamaModel, Function, Path, Optional, Optional, IntConsumer)} on the files of {@code files}. */
    public Outcome run(LlamaModel model, Function<String, long[]> encoder, TaskFiles files, Optional<Integer> limit,
                       IntConsumer onRequest) {
        return run(model, encoder, files, limit, true, onRequest);
    }

    /** As {@link #run(LlamaModel, Function, Path, Optional, Optional, boolean, IntConsumer)} on {@code files}. */
    public Outcome run(LlamaModel model, Function<String, long[]> encoder, TaskFiles files, Optional<Integer> limit,
                       boolean sharePrefixes, IntConsumer onRequest) {
        return typed(task, model, encoder, files, limit, new LoglikelihoodScorer(model, sharePrefixes), onRequest);
    }

    /** The number of requests the documents of {@code docs} make (for progress bars). */
    public int requests(Path docs, Optional<Path> pool, Optional<Integer> limit) {
        return requests(TaskFiles.of(docs, pool), limit);
    }

    /** The number of requests the documents of {@code files} make. */
    public int requests(TaskFiles files, Optional<Integer> limit) {
        return build(task, files, limit).requests().size();
    }

    private <D> Outcome typed(LoglikelihoodTask<D> t, LlamaModel model, Function<String, long[]> encoder,
                              TaskFiles files, Optional<Integer> limit, LoglikelihoodScorer scorer,
                              IntConsumer onRequest) {
        TaskRequests built = build(t, files, limit);
        List<Request> requests = built.requests();
        double[] ll = new double[requests.size()];
        boolean[] greedy = new boolean[requests.size()];
        long start = System.nanoTime();
        // all requests together: every prefix they share (few-shot turns, a question for its choices) runs once
        List<LoglikelihoodScorer.EncodedPair> pairs = requests.stream()
                .map(r -> LoglikelihoodScorer.encodePair(r.context(), r.continuation(), encoder)).toList();
        List<LoglikelihoodScorer.Loglikelihood> scores = scorer.score(pairs, onRequest);
        for (int i = 0; i < requests.size(); i++) {
            ll[i] = scores.get(i).logprob();
            greedy[i] = scores.get(i).greedy();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Outcome(TaskMetrics.aggregate(t, built, ll, greedy), built.docs().size(), requests.size(),
                seconds);
    }

    /** The requests of {@code docs} (the first {@code limit} documents when given) with this evaluation's shots. */
    <D> TaskRequests build(LoglikelihoodTask<D> t, Path docs, Optional<Path> pool, Optional<Integer> limit) {
        return build(t, TaskFiles.of(docs, pool), limit);
    }

    /** The requests of the documents of {@code files} (the first {@code limit} when given). */
    <D> TaskRequests build(LoglikelihoodTask<D> t, TaskFiles files, Optional<Integer> limit) {
        List<D> all = Documents.read(t, files.docs());
        List<D> eval = limit.map(n -> all.subList(0, Math.min(n, all.size()))).orElse(all);
        if (eval.isEmpty()) {
            throw new UserException(files.describe() + ": no documents");
        }
        if (shots == 0) {
            return TaskRequests.zeroShot(t, eval);
        }
        if (files.pool().isEmpty()) {
            throw new UserException("--num-fewshot " + shots + " needs the few-shot split's documents "
                    + "(--fewshot-data)");
        }
        List<D> fewshot = Documents.read(t, files.pool());
        return TaskRequests.build(t, eval, fewshot, shots, seed);
    }
}
