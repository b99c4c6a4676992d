package org.lmqt.eval.tasks;

import java.util.List;

/**
 * {@code boolq} ({@code aps/super_glue} boolq, split validation, pool train without the eval doc):
 * {@code "{passage}\nQuestion: {question}?\nAnswer:"}, choices {@code no, yes}, gold {@code label}.
 */
public final class BoolqTask extends LoglikelihoodTask<BoolqTask.Doc> {
    /** The task. */
    public BoolqTask() {
        super("boolq", Doc.class, FewshotSampler.Kind.SAMPLE_EXCLUDING_EVAL_DOC, List.of(Metric.ACC),
                TaskSource.of("aps/super_glue", "boolq", "validation", "train"));
    }

    /** A row of {@code aps/super_glue} boolq. */
    public record Doc(String question, String passage, int idx, int label) {}

    @Override
    public RenderedDoc render(Doc doc) {
        return RenderedDoc.multipleChoice(doc.passage() + "\nQuestion: " + doc.question() + "?\nAnswer:",
                List.of("no", "yes"), doc.label());
    }
}
