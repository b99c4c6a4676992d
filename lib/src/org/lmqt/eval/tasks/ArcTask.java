package org.lmqt.eval.tasks;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code arc_easy} and {@code arc_challenge} ({@code allenai/ai2_arc}, split test, few-shot pool train):
 * {@code "Question: {question}\nAnswer:"}, the choice texts, gold = the answer key's label index.
 *
 * @param name the lm-eval task name
 */
public record ArcTask(String name) implements LoglikelihoodTask<ArcTask.Doc> {
    /** ARC-Easy. */
    public static final ArcTask EASY = new ArcTask("arc_easy");
    /** ARC-Challenge. */
    public static final ArcTask CHALLENGE = new ArcTask("arc_challenge");

    public ArcTask {
        if (!name.equals("arc_easy") && !name.equals("arc_challenge")) {
            throw new IllegalArgumentException("not an ARC task: " + name);
        }
    }

    /** A row of {@code allenai/ai2_arc}. */
    public record Doc(String id, String question, LabeledChoices choices, @JsonProperty("answerKey") String answerKey) {}

    @Override
    public Class<Doc> docType() {
        return Doc.class;
    }

    @Override
    public RenderedDoc render(Doc doc) {
        return RenderedDoc.multipleChoice("Question: " + doc.question() + "\nAnswer:", doc.choices().text(),
                doc.choices().indexOf(doc.answerKey()));
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
