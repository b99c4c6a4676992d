package org.lmqt.eval.tasks;

import java.util.List;
import java.util.Objects;

/**
 * One of lm-eval's loglikelihood tasks: its document type, how a document renders (its YAML's templates and
 * functions), its description, its few-shot sampler and the metrics it reports.
 *
 * @param <D> the document type, a record in the HF dataset's schema (equality = lm-eval's dict equality)
 */
public abstract class LoglikelihoodTask<D> {
    private final String name;
    private final Class<D> docType;
    private final FewshotSampler.Kind sampler;
    private final List<Metric> metrics;
    private final TaskSource source;

    /**
     * A task called {@code name} over {@code docType} rows of {@code source}, drawing examples by {@code sampler}.
     */
    protected LoglikelihoodTask(String name, Class<D> docType, FewshotSampler.Kind sampler, List<Metric> metrics,
                                TaskSource source) {
        this.name = Objects.requireNonNull(name, "name");
        this.source = Objects.requireNonNull(source, "source");
        this.docType = Objects.requireNonNull(docType, "docType");
        this.sampler = Objects.requireNonNull(sampler, "sampler");
        this.metrics = List.copyOf(metrics);
        if (this.metrics.isEmpty()) {
            throw new IllegalArgumentException(name + " reports no metric");
        }
    }

    /** The lm-eval task name ({@code arc_easy}, ...). */
    public final String name() {
        return name;
    }

    /** The document record Jackson reads a JSONL row into. */
    public final Class<D> docType() {
        return docType;
    }

    /** How few-shot examples are drawn from the pool. */
    public final FewshotSampler.Kind sampler() {
        return sampler;
    }

    /** The metrics of the task's {@code metric_list}, in order. */
    public final List<Metric> metrics() {
        return metrics;
    }

    /** The HF dataset, config and splits lm-eval loads the documents from. */
    public final TaskSource source() {
        return source;
    }

    /** {@code doc_to_text}, {@code doc_to_choice} and {@code doc_to_target} of {@code doc} (after process_docs). */
    public abstract RenderedDoc render(D doc);

    /** The task's {@code description} rendered for {@code doc}; "" for most tasks. */
    public String description(D doc) {
        return "";
    }

    @Override
    public String toString() {
        return name;
    }

    /** A reported metric. */
    public enum Metric {
        /** Accuracy of the highest loglikelihood (for lambada: the continuation is greedy). */
        ACC("acc"),
        /** Accuracy of the highest loglikelihood per code point of the choice. */
        ACC_NORM("acc_norm"),
        /** {@code exp(-mean loglikelihood)} over documents. */
        PERPLEXITY("perplexity");

        private final String key;

        Metric(String key) {
            this.key = key;
        }

        /** lm-eval's result key without the filter ({@code acc}). */
        public String key() {
            return key;
        }
    }
}
