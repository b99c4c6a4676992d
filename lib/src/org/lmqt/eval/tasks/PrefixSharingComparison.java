package org.lmqt.eval.tasks;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.IntConsumer;
import org.lmqt.model.LlamaModel;

/**
 * One task evaluated on one model twice, with the requests sharing their common token prefixes and with one
 * forward per request: both outcomes (the faster of {@code repeats} runs each), the mean process CPU time of a run
 * each way (steadier than wall time on a loaded machine; the mean, as the clock ticks in milliseconds), the tokens
 * the model ran each way and the speed-up.
 *
 * @param shared           the run with prefix sharing
 * @param alone            the run with one forward per request
 * @param sharedCpuSeconds mean process CPU seconds of a run with sharing
 * @param aloneCpuSeconds  mean process CPU seconds of a run without
 * @param sharedTokens     input tokens the model ran with sharing
 * @param aloneTokens      input tokens the model ran without
 */
public record PrefixSharingComparison(TaskEvaluation.Outcome shared, TaskEvaluation.Outcome alone,
                                      double sharedCpuSeconds, double aloneCpuSeconds, long sharedTokens,
                                      long aloneTokens) {

    /**
     * Runs {@code eval} on {@code model} both ways, {@code repeats} times each after one warm-up document each way
     * (alternating, so a slow spell of the machine hits both); {@code onRequest} sees every scored request.
     */
    public static PrefixSharingComparison measure(TaskEvaluation eval, LlamaModel model,
                                                  Function<String, long[]> encoder, Path docs, Optional<Path> pool,
                                                  Optional<Integer> limit, int repeats, IntConsumer onRequest) {
        if (repeats < 1) {
            throw new IllegalArgumentException("repeats must be at least 1, not " + repeats);
        }
        // warm-up: the first document each way (native code paths, allocator)
        eval.run(model, encoder, docs, pool, Optional.of(1), true, i -> { });
        eval.run(model, encoder, docs, pool, Optional.of(1), false, i -> { });
        TaskEvaluation.Outcome shared = null;
        TaskEvaluation.Outcome alone = null;
        double sharedCpu = 0;
        double aloneCpu = 0;
        for (int r = 0; r < repeats; r++) {
            double cpu = cpuSeconds();
            TaskEvaluation.Outcome a = eval.run(model, encoder, docs, pool, limit, false, onRequest);
            aloneCpu += (cpuSeconds() - cpu) / repeats;
            cpu = cpuSeconds();
            TaskEvaluation.Outcome s = eval.run(model, encoder, docs, pool, limit, true, onRequest);
            sharedCpu += (cpuSeconds() - cpu) / repeats;
            alone = alone == null || a.seconds() < alone.seconds() ? a : alone;
            shared = shared == null || s.seconds() < shared.seconds() ? s : shared;
        }
        List<LoglikelihoodScorer.EncodedPair> pairs = eval.build(eval.task(), docs, pool, limit).requests().stream()
                .map(q -> LoglikelihoodScorer.encodePair(q.context(), q.continuation(), encoder)).toList();
        return new PrefixSharingComparison(shared, alone, sharedCpu, aloneCpu,
                new LoglikelihoodScorer(model, true).tokensRun(pairs),
                new LoglikelihoodScorer(model, false).tokensRun(pairs));
    }

    /** CPU time of this process so far (all threads, native ones included). */
    private static double cpuSeconds() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() / 1e9 : Double.NaN;
    }

    /** CPU seconds per document without sharing over those with. */
    public double cpuSpeedup() {
        return aloneCpuSeconds / sharedCpuSeconds;
    }

    /** Documents/s with sharing over documents/s without. */
    public double speedup() {
        return shared.documentsPerSecond() / alone.documentsPerSecond();
    }

    /**
     * The largest relative difference {@code |a - b| / max(|a|, |b|)} of a metric between the two runs: 0 for
     * accuracies when the predictions agree, float32 rounding for lambada's perplexity.
     */
    public double maxMetricDifference() {
        double worst = 0;
        for (Map.Entry<String, Double> e : alone.metrics().entrySet()) {
            double a = e.getValue();
            double b = shared.metrics().get(e.getKey());
            double scale = Math.max(Math.abs(a), Math.abs(b));
            worst = Math.max(worst, scale == 0 ? 0 : Math.abs(a - b) / scale);
        }
        return worst;
    }
}
