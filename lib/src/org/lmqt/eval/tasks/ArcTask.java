package org.lmqt.eval.tasks;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code arc_easy} and {@code arc_challenge} ({@code allenai/ai2_arc}, split test, few-shot pool train):
 * {@code "Question: {question}\nAnswer:"}, the choice texts, gold = the answer key's label index.
 */
public final class ArcTask extends LoglikelihoodTask<ArcTask.Doc> {
    /** ARC-Easy. */
    public static final ArcTask EASY = new ArcTask("arc_easy", "ARC-Easy");
    /** ARC-Challenge. */
    public static final ArcTask CHALLENGE = new ArcTask("arc_challenge", "ARC-Challenge");

    private ArcTask(String name, String config) {
        super(name, Doc.class, FewshotSampler.Kind.SAMPLE, List.of(Metric.ACC, Metric.ACC_NORM),
                TaskSource.of("allenai/ai2_arc", config, "test", "train"));
    }

    /** A row of {@code allenai/ai2_arc}. */
    public record Doc(String id, String question, LabeledChoices choices,
            @JsonProperty("answerKey") String answerKey) {}

    @Override
    public RenderedDoc render(Doc doc) {
        return RenderedDoc.multipleChoice("Question: " + doc.question() + "\nAnswer:", doc.choices().text(),
                doc.choices().indexOf(doc.answerKey()));
    }
}
