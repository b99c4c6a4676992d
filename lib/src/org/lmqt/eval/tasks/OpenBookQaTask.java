package org.lmqt.eval.tasks;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code openbookqa} ({@code allenai/openbookqa} main, split test, pool train): the question stem verbatim, the
 * choice texts, gold = the label index of {@code answerKey.lstrip()}.
 */
public record OpenBookQaTask() implements LoglikelihoodTask<OpenBookQaTask.Doc> {
    /** A row of {@code allenai/openbookqa}. */
    public record Doc(String id, @JsonProperty("question_stem") String questionStem, LabeledChoices choices,
            @JsonProperty("answerKey") String answerKey) {}

    @Override
    public String name() {
        return "openbookqa";
    }

    @Override
    public Class<Doc> docType() {
        return Doc.class;
    }

    @Override
    public RenderedDoc render(Doc doc) {
        return RenderedDoc.multipleChoice(doc.questionStem(), doc.choices().text(),
                doc.choices().indexOf(PyStr.lstrip(doc.answerKey())));
    }

    @Override
    public FewshotSampler.Kind sampler() {
        return FewshotSampler.Kind.SAMPLE;
    }

    @Override
    public List<Metric> metrics() {
        return List.of(Metric.ACC, Metric.ACC_NORM);
    }
}
