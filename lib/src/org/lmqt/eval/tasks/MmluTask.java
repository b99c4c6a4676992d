package org.lmqt.eval.tasks;

import java.util.List;

/**
 * {@code mmlu_<subject>} ({@code cais/mmlu} subject, split test, few-shot pool dev taken in order): the subject
 * description, the question with lettered choices, choices {@code A..D}, gold {@code answer}. Every one of the 57
 * subjects ({@link MmluSubjects}) uses lm-eval's default template; the fixtures check {@code abstract_algebra}.
 */
public final class MmluTask extends LoglikelihoodTask<MmluTask.Doc> {
    /** The one subject the fixtures check. */
    public static final MmluTask ABSTRACT_ALGEBRA = new MmluTask("abstract_algebra");

    private static final List<String> LETTERS = List.of("A", "B", "C", "D");

    private final String subject;

    /** The task of the {@code cais/mmlu} config {@code subject} ({@code abstract_algebra}). */
    public MmluTask(String subject) {
        super("mmlu_" + subject, Doc.class, FewshotSampler.Kind.FIRST_N, List.of(Metric.ACC),
                TaskSource.of("cais/mmlu", subject, "test", "dev"));
        if (!MmluSubjects.isSubject(subject)) {
            throw new IllegalArgumentException("not an MMLU subject: " + subject + " (the 57 of lm-eval's mmlu)");
        }
        this.subject = subject;
    }

    /** The subject ({@code abstract_algebra}). */
    public String subject() {
        return subject;
    }

    /** A row of {@code cais/mmlu}. */
    public record Doc(String question, String subject, List<String> choices, int answer) {
        public Doc {
            choices = List.copyOf(choices);
            if (choices.size() != LETTERS.size()) {
                throw new IllegalArgumentException("an MMLU question has 4 choices, not " + choices.size());
            }
        }
    }

    @Override
    public String description(Doc doc) {
        return "The following are multiple choice questions (with answers) about " + subject.replace('_', ' ')
                + ".\n\n";
    }

    @Override
    public RenderedDoc render(Doc doc) {
        StringBuilder text = new StringBuilder(PyStr.strip(doc.question()));
        for (int i = 0; i < LETTERS.size(); i++) {
            text.append('\n').append(LETTERS.get(i)).append(". ").append(doc.choices().get(i));
        }
        return RenderedDoc.multipleChoice(text.append("\nAnswer:").toString(), LETTERS, doc.answer());
    }
}
