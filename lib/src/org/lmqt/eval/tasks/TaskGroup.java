package org.lmqt.eval.tasks;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * An lm-eval group of tasks whose {@code acc} is aggregated with {@code aggregate_metric_list: [{metric: acc,
 * weight_by_size: true}]}: MMLU ({@code mmlu}, over all 57 subjects) and its four categories ({@code mmlu_stem},
 * {@code mmlu_other}, {@code mmlu_social_sciences}, {@code mmlu_humanities}).
 *
 * @param name  the group's name
 * @param tasks its leaf tasks ({@code mmlu_<subject>}), in lm-eval's order
 */
public record TaskGroup(String name, List<String> tasks) {
    /** {@code mmlu}: every subject. */
    public static final TaskGroup MMLU = new TaskGroup("mmlu", MmluSubjects.ALL.stream().map(s -> "mmlu_" + s)
            .toList());

    public TaskGroup {
        tasks = List.copyOf(tasks);
        if (tasks.isEmpty()) {
            throw new IllegalArgumentException("group " + name + " has no tasks");
        }
    }

    /** The category group {@code mmlu_<category>}. */
    public static TaskGroup mmluCategory(String category) {
        return new TaskGroup("mmlu_" + category, MmluSubjects.of(category).stream().map(s -> "mmlu_" + s).toList());
    }

    /** Every group, {@code mmlu} first. */
    public static List<TaskGroup> all() {
        List<TaskGroup> all = new ArrayList<>(List.of(MMLU));
        MmluSubjects.CATEGORIES.forEach(c -> all.add(mmluCategory(c)));
        return all;
    }

    /** The group called {@code name}, if it is one. */
    public static Optional<TaskGroup> byName(String name) {
        return all().stream().filter(g -> g.name().equals(name)).findFirst();
    }

    /**
     * The groups a run of this one reports, as lm-eval prints them: {@code mmlu} reports itself and its four
     * categories; a category only itself.
     */
    public List<TaskGroup> reported() {
        return name.equals(MMLU.name()) ? all() : List.of(this);
    }
}
