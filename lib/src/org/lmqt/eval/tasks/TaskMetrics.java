package org.lmqt.eval.tasks;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A task's aggregate metrics from per-request loglikelihoods, under lm-eval's keys without the filter
 * ({@code acc}, {@code acc_stderr}, {@code acc_norm}, {@code acc_norm_stderr}, {@code perplexity}). Perplexity's
 * bootstrap standard error (random resamples) is not computed.
 */
public final class TaskMetrics {
    private TaskMetrics() {}

    /**
     * The metrics of {@code task} over {@code built}'s documents.
     *
     * @param loglikelihoods one per request of {@code built}, in request order
     * @param greedy         whether each request's continuation is the greedy one (used by lambada's acc)
     */
    public static Map<String, Double> aggregate(LoglikelihoodTask<?> task, TaskRequests built, double[] loglikelihoods,
            boolean[] greedy) {
        List<Request> requests = built.requests();
        if (loglikelihoods.length != requests.size() || greedy.length != requests.size()) {
            throw new IllegalArgumentException(loglikelihoods.length + " loglikelihoods and " + greedy.length
                    + " greedy flags for " + requests.size() + " requests");
        }
        int docs = built.docs().size();
        double[] acc = new double[docs];
        double[] accNorm = new double[docs];
        double[] docLoglikelihood = new double[docs];
        int next = 0;
        for (int d = 0; d < docs; d++) {
            RenderedDoc doc = built.docs().get(d);
            if (doc.kind() == RenderedDoc.Kind.LOGLIKELIHOOD) {
                docLoglikelihood[d] = loglikelihoods[next];
                acc[d] = greedy[next] ? 1.0 : 0.0;
                next++;
            } else {
                int k = doc.choices().size();
                double[] ll = Arrays.copyOfRange(loglikelihoods, next, next + k);
                ChoiceScore score = ChoiceScore.of(doc, ll);
                acc[d] = score.acc();
                accNorm[d] = score.accNorm();
                next += k;
            }
        }
        Map<String, Double> out = new LinkedHashMap<>();
        for (LoglikelihoodTask.Metric metric : task.metrics()) {
            switch (metric) {
                case ACC -> put(out, "acc", MeanWithStderr.of(acc));
                case ACC_NORM -> put(out, "acc_norm", MeanWithStderr.of(accNorm));
                case PERPLEXITY -> out.put("perplexity", Math.exp(-MeanWithStderr.of(docLoglikelihood).mean()));
            }
        }
        return out;
    }

    private static void put(Map<String, Double> out, String key, MeanWithStderr value) {
        out.put(key, value.mean());
        out.put(key + "_stderr", value.stderr());
    }
}
