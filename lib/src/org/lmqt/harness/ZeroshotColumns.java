package org.lmqt.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lmqt.eval.tasks.LoglikelihoodTask;
import org.lmqt.eval.tasks.TaskGroup;
import org.lmqt.eval.tasks.Tasks;
import org.lmqt.eval.tasks.ZeroshotSuite;

/**
 * The result columns of {@code eval_zeroshot}, one fixed scheme appended after the KV-cache columns: per task of
 * {@link ZeroshotSuite#CLASSIC}, {@code <metric>_<task>} for each metric lm-eval reports and its standard error
 * ({@code acc_arc_easy}, {@code acc_stderr_arc_easy}, {@code acc_norm_arc_easy}, {@code acc_norm_stderr_arc_easy};
 * lambada's perplexity as {@code ppl_lambada_openai}); MMLU as its group and its four categories
 * ({@code acc_mmlu}, {@code acc_stderr_mmlu}, {@code acc_mmlu_stem}, ...), not one column per subject; and
 * {@code duration_zeroshot}, the seconds of the whole run. A task not run stays 0.
 */
public final class ZeroshotColumns {
    /** The run's wall time in seconds. */
    public static final String DURATION = "duration_zeroshot";

    /** The metric columns of each task or group, in column order. */
    private static final Map<String, List<String>> BY_TASK = new LinkedHashMap<>();

    static {
        for (String task : ZeroshotSuite.CLASSIC) {
            if (TaskGroup.byName(task).isPresent()) {
                for (TaskGroup g : TaskGroup.byName(task).get().reported()) {
                    BY_TASK.put(g.name(), List.of("acc_" + g.name(), "acc_stderr_" + g.name()));
                }
                continue;
            }
            List<String> columns = new ArrayList<>();
            for (LoglikelihoodTask.Metric m : Tasks.byName(task).metrics()) {
                switch (m) {
                    case PERPLEXITY -> columns.add("ppl_" + task);
                    case ACC, ACC_NORM -> {
                        columns.add(m.key() + "_" + task);
                        columns.add(m.key() + "_stderr_" + task);
                    }
                }
            }
            BY_TASK.put(task, List.copyOf(columns));
        }
    }

    /** Every column, in order, {@link #DURATION} last. */
    public static final List<String> ALL = java.util.stream.Stream.concat(BY_TASK.values().stream()
            .flatMap(List::stream), java.util.stream.Stream.of(DURATION)).toList();

    private ZeroshotColumns() {}

    /** The column values of a suite's result: each task's or group's metrics under its columns, and the duration. */
    public static Map<String, Double> values(ZeroshotSuite.Result result) {
        Map<String, Double> out = new LinkedHashMap<>();
        result.metrics().forEach((task, metrics) -> {
            List<String> columns = BY_TASK.get(task);
            if (columns == null) {
                throw new IllegalArgumentException("no result columns for task " + task);
            }
            metrics.forEach((key, value) -> {
                String column = key.equals("perplexity") ? "ppl_" + task : key + "_" + task;
                if (columns.contains(column)) {
                    out.put(column, value);
                }
            });
        });
        out.put(DURATION, ResultRow.round(result.seconds(), 3));
        return out;
    }
}
