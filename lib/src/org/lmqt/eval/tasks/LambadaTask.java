package org.lmqt.eval.tasks;

import java.util.List;

/**
 * {@code lambada_openai} ({@code EleutherAI/lambada_openai}, split test, which is also its few-shot pool): the text
 * split on single spaces, all words but the last as context, {@code " " + last word} as target.
 */
public record LambadaTask() implements LoglikelihoodTask<LambadaTask.Doc> {
    /** A row of {@code EleutherAI/lambada_openai}. */
    public record Doc(String text) {}

    @Override
    public String name() {
        return "lambada_openai";
    }

    @Override
    public Class<Doc> docType() {
        return Doc.class;
    }

    @Override
    public RenderedDoc render(Doc doc) {
        List<String> words = PyStr.splitOnSpace(doc.text());
        String context = String.join(" ", words.subList(0, words.size() - 1));
        return RenderedDoc.loglikelihood(context, " " + words.get(words.size() - 1));
    }

    @Override
    public FewshotSampler.Kind sampler() {
        return FewshotSampler.Kind.SAMPLE;
    }

    @Override
    public List<Metric> metrics() {
        return List.of(Metric.PERPLEXITY, Metric.ACC);
    }
}
