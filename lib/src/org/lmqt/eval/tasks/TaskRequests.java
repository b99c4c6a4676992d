package org.lmqt.eval.tasks;

import java.util.ArrayList;
import java.util.List;

/**
 * The requests lm-eval builds for a task's documents: {@code description + few-shot turns + text}, then one request
 * per choice (or one per document), documents in split order.
 *
 * @param docs      the rendered eval documents, in order
 * @param requests  every request, document by document, choice by choice
 * @param fewshot   per document, the pool rows of its few-shot examples in context order
 */
public record TaskRequests(List<RenderedDoc> docs, List<Request> requests, List<int[]> fewshot) {
    public TaskRequests {
        docs = List.copyOf(docs);
        requests = List.copyOf(requests);
        fewshot = List.copyOf(fewshot);
        if (fewshot.size() != docs.size()) {
            throw new IllegalArgumentException(fewshot.size() + " few-shot selections for " + docs.size() + " docs");
        }
    }

    /** Zero-shot requests. */
    public static <D> TaskRequests zeroShot(LoglikelihoodTask<D> task, List<D> docs) {
        return build(task, docs, List.of(), 0, 1234);
    }

    /**
     * The requests of {@code docs} with {@code shots} examples from {@code pool} drawn after
     * {@code set_fewshot_seed(seed)} (lm-eval's evaluator uses 1234).
     */
    public static <D> TaskRequests build(LoglikelihoodTask<D> task, List<D> docs, List<D> pool, int shots, long seed) {
        FewshotSampler<D> sampler = new FewshotSampler<>(task.sampler(), pool, shots, seed);
        List<RenderedDoc> rendered = new ArrayList<>();
        List<Request> requests = new ArrayList<>();
        List<int[]> fewshot = new ArrayList<>();
        for (int id = 0; id < docs.size(); id++) {
            D doc = docs.get(id);
            int[] rows = sampler.select(doc);
            StringBuilder prefix = new StringBuilder(task.description(doc));
            for (int row : rows) {
                prefix.append(task.render(sampler.row(row)).fewshotTurn());
            }
            RenderedDoc r = task.render(doc);
            rendered.add(r);
            fewshot.add(rows);
            requests.addAll(r.requests(id, prefix.toString()));
        }
        return new TaskRequests(rendered, requests, fewshot);
    }
}
