package org.lmqt.eval.tasks;

import java.util.List;

/**
 * {@code piqa} ({@code baber/piqa}, split validation, pool train without the eval doc): two solutions, gold
 * {@code label}.
 */
public final class PiqaTask extends LoglikelihoodTask<PiqaTask.Doc> {
    /** The task. */
    public PiqaTask() {
        super("piqa", Doc.class, FewshotSampler.Kind.SAMPLE_EXCLUDING_EVAL_DOC, List.of(Metric.ACC, Metric.ACC_NORM),
                TaskSource.noConfig("baber/piqa", "validation", "train"));
    }

    /** A row of {@code baber/piqa}. */
    public record Doc(String goal, String sol1, String sol2, int label) {}

    @Override
    public RenderedDoc render(Doc doc) {
        return RenderedDoc.multipleChoice("Question: " + doc.goal() + "\nAnswer:", List.of(doc.sol1(), doc.sol2()),
                doc.label());
    }
}
