package org.lmqt.eval.tasks;

import java.util.List;

/**
 * One of lm-eval's loglikelihood tasks: its document type, how a document renders (its YAML's templates and
 * functions), its description, its few-shot sampler and the metrics it reports.
 *
 * @param <D> the document type, a record in the HF dataset's schema (equality = lm-eval's dict equality)
 */
public interface LoglikelihoodTask<D> {
    /** The lm-eval task name ({@code arc_easy}, ...). */
    String name();

    /** The document record Jackson reads a JSONL row into. */
    Class<D> docType();

    /** {@code doc_to_text}, {@code doc_to_choice} and {@code doc_to_target} of {@code doc} (after process_docs). */
    RenderedDoc render(D doc);

    /** The task's {@code description} rendered for {@code doc}; "" for most tasks. */
    default String description(D doc) {
        return "";
    }

    /** How few-shot examples are drawn from the pool. */
    FewshotSampler.Kind sampler();

    /** The metrics of the task's {@code metric_list}, in order. */
    List<Metric> metrics();

    /** A reported metric. */
    enum Metric {
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
