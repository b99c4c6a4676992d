package org.lmqt.eval.tasks;

import java.util.List;

/** The lm-eval tasks lmqt renders, by name. */
public final class Tasks {
    /** Every task, in the spec's order. */
    public static final List<LoglikelihoodTask<?>> ALL = List.of(ArcTask.EASY, ArcTask.CHALLENGE, new HellaswagTask(),
            new PiqaTask(), new WinograndeTask(), new BoolqTask(), new OpenBookQaTask(), new LambadaTask(),
            MmluTask.ABSTRACT_ALGEBRA);

    private Tasks() {}

    /** The task called {@code name} ({@code mmlu_<subject>} for any of the 57 subjects). */
    public static LoglikelihoodTask<?> byName(String name) {
        for (LoglikelihoodTask<?> t : ALL) {
            if (t.name().equals(name)) {
                return t;
            }
        }
        if (name.startsWith("mmlu_") && MmluSubjects.isSubject(name.substring("mmlu_".length()))) {
            return new MmluTask(name.substring("mmlu_".length()));
        }
        throw new IllegalArgumentException("unknown lm-eval task " + name + "; known: " + String.join(", ",
                ALL.stream().map(LoglikelihoodTask::name).toList()) + ", mmlu_<subject> (57 subjects), and the "
                + "groups " + String.join(", ", TaskGroup.all().stream().map(TaskGroup::name).toList()));
    }
}
