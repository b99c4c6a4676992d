package org.lmqt.eval.tasks;

import java.util.List;

/**
 * The {@code choices} column of ARC and OpenBookQA: answer texts and their labels, index for index.
 *
 * @param text  the answers
 * @param label their labels ({@code A..E} or {@code 1..5})
 */
public record LabeledChoices(List<String> text, List<String> label) {
    public LabeledChoices {
        text = List.copyOf(text);
        label = List.copyOf(label);
        if (text.size() != label.size() || text.isEmpty()) {
            throw new IllegalArgumentException(text.size() + " choice texts for " + label.size() + " labels");
        }
    }

    /** {@code choices.label.index(key)}: Python raises for a key that is not a label, so do we. */
    public int indexOf(String key) {
        int i = label.indexOf(key);
        if (i < 0) {
            throw new IllegalArgumentException("answer key " + key + " is not among the labels " + label);
        }
        return i;
    }
}
