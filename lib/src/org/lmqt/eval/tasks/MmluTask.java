package org.lmqt.eval.tasks;

import java.util.List;

/**
 * {@code mmlu_<subject>} ({@code cais/mmlu} subject, split test, few-shot pool dev taken in order): the subject
 * description, the question with lettered choices, choices {@code A..D}, gold {@code answer}. Only
 * {@code abstract_algebra} is checked against lm-eval; other subjects follow the same default template.
 *
 * @param subject the {@code cais/mmlu} config ({@code abstract_algebra})
 */
public record MmluTask(String subject) implements LoglikelihoodTask<MmluTask.Doc> {
    /** The one subject the fixtures check. */
    public static final MmluTask ABSTRACT_ALGEBRA = new MmluTask("abstract_algebra");

    private static final List<String> LETTERS = List.of("A", "B", "C", "D");

    public MmluTask {
        if (!subject.matches("[a-z_]+")) {
            throw new IllegalArgumentException("not an MMLU subject: " + subject);
        }
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
    public String name() {
        return "mmlu_" + subject;
    }

    @Override
    public Class<Doc> docType() {
        return Doc.class;
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

    @Override
    public FewshotSampler.Kind sampler() {
        return FewshotSampler.Kind.FIRST_N;
    }

    @Override
    public List<Metric> metrics() {
        return List.of(Metric.ACC);
    }
}
