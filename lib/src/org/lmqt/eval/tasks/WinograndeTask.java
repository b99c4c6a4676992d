package org.lmqt.eval.tasks;

import java.util.List;

/**
 * {@code winogrande} ({@code allenai/winogrande} winogrande_xl, split validation, pool train without the eval doc):
 * partial scoring, the sentence up to its first {@code _} filled with each option is a context, the rest after the
 * blank (stripped) the shared continuation; gold {@code {"1": 0, "2": 1}[answer]}.
 */
public final class WinograndeTask extends LoglikelihoodTask<WinograndeTask.Doc> {
    /** The task. */
    public WinograndeTask() {
        super("winogrande", Doc.class, FewshotSampler.Kind.SAMPLE_EXCLUDING_EVAL_DOC, List.of(Metric.ACC),
                TaskSource.of("allenai/winogrande", "winogrande_xl", "validation", "train"));
    }

    /** A row of {@code allenai/winogrande}. */
    public record Doc(String sentence, String option1, String option2, String answer) {}

    @Override
    public RenderedDoc render(Doc doc) {
        int blank = doc.sentence().indexOf('_');
        if (blank < 0) {
            throw new IllegalArgumentException("winogrande sentence without a blank: " + doc.sentence());
        }
        String before = doc.sentence().substring(0, blank);
        String target = PyStr.strip(doc.sentence().substring(blank + 1));
        int gold = switch (doc.answer()) {
            case "1" -> 0;
            case "2" -> 1;
            default -> throw new IllegalArgumentException("winogrande answer is not \"1\" or \"2\": \"" + doc.answer()
                    + "\"");
        };
        return RenderedDoc.multipleInput(List.of(before + doc.option1(), before + doc.option2()), target, gold);
    }
}
