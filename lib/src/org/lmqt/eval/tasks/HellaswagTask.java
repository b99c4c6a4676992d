package org.lmqt.eval.tasks;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

/**
 * {@code hellaswag} ({@code Rowan/hellaswag}, split validation, pool train without the eval doc): process_docs'
 * query {@code preprocess(activity_label + ": " + ctx_a + " " + ctx_b.capitalize())}, the preprocessed endings,
 * gold {@code int(label)}.
 */
public final class HellaswagTask extends LoglikelihoodTask<HellaswagTask.Doc> {
    /** The task. */
    public HellaswagTask() {
        super("hellaswag", Doc.class, FewshotSampler.Kind.SAMPLE_EXCLUDING_EVAL_DOC,
                List.of(Metric.ACC, Metric.ACC_NORM), TaskSource.noConfig("Rowan/hellaswag", "validation", "train"));
    }

    /** A row of {@code Rowan/hellaswag}. */
    public record Doc(int ind, @JsonProperty("activity_label") String activityLabel, @JsonProperty("ctx_a") String ctxA,
            @JsonProperty("ctx_b") String ctxB, String ctx, List<String> endings,
            @JsonProperty("source_id") String sourceId, String split, @JsonProperty("split_type") String splitType,
            String label) {}

    /**
     * The task's {@code preprocess}: strip, {@code " [title]"} to {@code ". "}, drop {@code [...]}, one pass of
     * double spaces.
     */
    public static String preprocess(String text) {
        String t = PyStr.strip(text).replace(" [title]", ". ");
        return PyStr.removeBracketed(t).replace("  ", " ");
    }

    @Override
    public RenderedDoc render(Doc doc) {
        String query = preprocess(doc.activityLabel() + ": " + doc.ctxA() + " " + PyStr.capitalize(doc.ctxB()));
        List<String> choices = doc.endings().stream().map(HellaswagTask::preprocess).toList();
        return RenderedDoc.multipleChoice(query, choices, pythonInt(doc.label()));
    }

    /** {@code int(label)}: Python raises on "" (the test split), so do we. */
    private static int pythonInt(String label) {
        try {
            return Integer.parseInt(PyStr.strip(label));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("hellaswag label is not an integer: \"" + label + "\"", e);
        }
    }
}
