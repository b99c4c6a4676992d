package org.lmqt.eval.tasks;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code openbookqa} ({@code allenai/openbookqa} main, split test, pool train): the question stem verbatim, the
 * choice texts, gold = the label index of {@code answerKey.lstrip()}.
 */
public final class OpenBookQaTask extends LoglikelihoodTask<OpenBookQaTask.Doc> {
    /** The task. */
    public OpenBookQaTask() {
        super("openbookqa", Doc.class, FewshotSampler.Kind.SAMPLE, List.of(Metric.ACC, Metric.ACC_NORM),
                TaskSource.of("allenai/openbookqa", "main", "test", "train"));
    }

    /** A row of {@code allenai/openbookqa}. */
    public record Doc(String id, @JsonProperty("question_stem") String questionStem, LabeledChoices choices,
            @JsonProperty("answerKey") String answerKey) {}

    @Override
    public RenderedDoc render(Doc doc) {
        return RenderedDoc.multipleChoice(doc.questionStem(), doc.choices().text(),
                doc.choices().indexOf(PyStr.lstrip(doc.answerKey())));
    }
}
