package org.lmqt.eval.tasks;

import java.util.List;

/**
 * {@code boolq} ({@code aps/super_glue} boolq, split validation, pool train without the eval doc):
 * {@code "{passage}\nQuestion: {question}?\nAnswer:"}, choices {@code no, yes}, gold {@code label}.
 */
public record BoolqTask() implements LoglikelihoodTask<BoolqTask.Doc> {
    /** A row of {@code aps/super_glue} boolq. */
    public record Doc(String question, String passage, int idx, int label) {}

    @Override
    public String name() {
        return "boolq";
    }

    @Override
    public Class<Doc> docType() {
        return Doc.class;
    }

    @Override
    public RenderedDoc render(Doc doc) {
        return RenderedDoc.multipleChoice(doc.passage() + "\nQuestion: " + doc.question() + "?\nAnswer:",
                List.of("no", "yes"), doc.label());
    }

    @Override
    public FewshotSampler.Kind sampler() {
        return FewshotSampler.Kind.SAMPLE_EXCLUDING_EVAL_DOC;
    }

    @Override
    public List<Metric> metrics() {
        return List.of(Metric.ACC);
    }
}
