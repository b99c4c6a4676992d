package org.lmqt.eval.tasks;

import java.util.List;

/**
 * {@code lambada_openai} ({@code EleutherAI/lambada_openai}, split test, which is also its few-shot pool): the text
 * split on single spaces, all words but the last as context, {@code " " + last word} as target.
 */
public final class LambadaTask extends LoglikelihoodTask<LambadaTask.Doc> {
    /** The task. */
    public LambadaTask() {
        super("lambada_openai", Doc.class, FewshotSampler.Kind.SAMPLE, List.of(Metric.PERPLEXITY, Metric.ACC),
                TaskSource.of("EleutherAI/lambada_openai", "default", "test", "test"));
    }

    /** A row of {@code EleutherAI/lambada_openai}. */
    public record Doc(String text) {}

    @Override
    public RenderedDoc render(Doc doc) {
        List<String> words = PyStr.splitOnSpace(doc.text());
        String context = String.join(" ", words.subList(0, words.size() - 1));
        return RenderedDoc.loglikelihood(context, " " + words.get(words.size() - 1));
    }
}
