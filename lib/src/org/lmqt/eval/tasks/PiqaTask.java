package org.lmqt.eval.tasks;

import java.util.List;

/** {@code piqa} ({@code baber/piqa}, split validation, pool train without the eval doc): two solutions, gold {@code label}. */
public record PiqaTask() implements LoglikelihoodTask<PiqaTask.Doc> {
    /** A row of {@code baber/piqa}. */
    public record Doc(String goal, String sol1, String sol2, int label) {}

    @Override
    public String name() {
        return "piqa";
    }

    @Override
    public Class<Doc> docType() {
        return Doc.class;
    }

    @Override
    public RenderedDoc render(Doc doc) {
        return RenderedDoc.multipleChoice("Question: " + doc.goal() + "\nAnswer:", List.of(doc.sol1(), doc.sol2()),
                doc.label());
    }

    @Override
    public FewshotSampler.Kind sampler() {
        return FewshotSampler.Kind.SAMPLE_EXCLUDING_EVAL_DOC;
    }

    @Override
    public List<Metric> metrics() {
        return List.of(Metric.ACC, Metric.ACC_NORM);
    }
}
