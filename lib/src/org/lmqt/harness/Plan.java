package org.lmqt.harness;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The grid of one harness run: algo x config x model for one task, in the original's table order. The order in
 * which to-dos run is {@link #runOrder()}.
 */
public record Plan(Task task, List<Subtask> subtasks) {

    public Plan {
        subtasks = List.copyOf(subtasks);
        if (subtasks.isEmpty()) {
            throw new IllegalArgumentException("the plan is empty");
        }
        Set<ProgressTable.Key> seen = new LinkedHashSet<>();
        for (Subtask s : subtasks) {
            if (s.task() != task) {
                throw new IllegalArgumentException("subtask " + s.label() + " is not of task " + task);
            }
            if (!seen.add(s.key())) {
                throw new IllegalArgumentException("subtask listed twice: " + s.label());
            }
        }
    }

    /**
     * The grid for {@code configs} (empty: every algo's defaults). Each value goes to the algos it names a config
     * of ({@code b4g64} to hqq/rtn, {@code 4.25} to mxq); fp16 always runs {@code base}. Values that fit no algo,
     * and algos left without a config, are one-line errors; duplicates are dropped.
     */
    public static Plan of(List<ModelRef> models, List<Algo> algos, List<String> configs, Task task) {
        return of(models, algos, configs, List.of(org.lmqt.model.KvPolicy.EXACT.name()), task);
    }

    /**
     * As {@link #of(List, List, List, Task)}, each cell once per KV-cache method of {@code kvs} ({@code none}, a
     * KIVI, naive or KVQuant name); an unknown name, or a method other than none for a task other than
     * {@code eval_ppl}, is a one-line error.
     */
    public static Plan of(List<ModelRef> models, List<Algo> algos, List<String> configs, List<String> kvs, Task task) {
        if (kvs.isEmpty()) {
            throw new IllegalArgumentException("give at least one --kv method (none for the exact cache)");
        }
        if (task != Task.EVAL_PPL && !kvs.equals(List.of(org.lmqt.model.KvPolicy.EXACT.name()))) {
            throw new IllegalArgumentException("--kv applies to --task eval_ppl only (a KV cache changes no weights)");
        }
        if (!Task.LLM.contains(task)) {
            throw new IllegalArgumentException(task + " is a task of quant-vit (LLM tasks: quant, eval_ppl, "
                    + "eval_model_storage)");
        }
        if (models.isEmpty() || algos.isEmpty()) {
            throw new IllegalArgumentException("give at least one --model and one --algo");
        }
        for (String value : configs) {
            if (algos.stream().allMatch(a -> a == Algo.FP16 || a.configName(value).isEmpty())) {
                throw new IllegalArgumentException("config '" + value + "' fits none of the algos "
                        + algos.stream().map(Algo::cliName).collect(Collectors.joining(", "))
                        + " (b<bits>g<group> for hqq/rtn, a bit budget such as 4.25 for mxq)");
            }
        }
        List<Subtask> list = new ArrayList<>();
        for (Algo algo : new LinkedHashSet<>(algos)) {
            for (String cfg : configsOf(algo, configs)) {
                for (String kv : new LinkedHashSet<>(kvs)) {
                    for (ModelRef m : new LinkedHashSet<>(models)) {
                        list.add(new Subtask(m, cfg, task, algo, kv));
                    }
                }
            }
        }
        return new Plan(task, list);
    }

    private static List<String> configsOf(Algo algo, List<String> configs) {
        if (configs.isEmpty() || algo == Algo.FP16) {
            return algo.defaultConfigs();
        }
        List<String> names = configs.stream().map(algo::configName).flatMap(Optional::stream).distinct().toList();
        if (names.isEmpty()) {
            throw new IllegalArgumentException("none of the configs " + configs + " is a config of algo " + algo);
        }
        return names;
    }

    /** The original's order of work: by (model id, cfg) descending as strings, grid order among equals. */
    public List<Subtask> runOrder() {
        Comparator<Subtask> byModelCfg = Comparator.comparing((Subtask s) -> s.model().id())
                .thenComparing(Subtask::cfg);
        return subtasks.stream().sorted(byModelCfg.reversed()).toList();
    }

    /**
     * The original's default experiment name {@code <task>-<algo1-algo2..>-<cfg1-cfg2..>} (the original crashes
     * without {@code --config}; we leave the config part out then).
     */
    public static String defaultExperimentName(Task task, List<Algo> algos, List<String> configs) {
        String name = task.cliName() + "-" + algos.stream().map(Algo::cliName).distinct()
                .collect(Collectors.joining("-"));
        return configs.isEmpty() ? name : name + "-" + String.join("-", configs);
    }

    /** The default name with {@code -kv-<kv1-kv2..>} appended when a KV method other than {@code none} is asked. */
    public static String defaultExperimentName(Task task, List<Algo> algos, List<String> configs, List<String> kvs) {
        String name = defaultExperimentName(task, algos, configs);
        return kvs.equals(List.of(org.lmqt.model.KvPolicy.EXACT.name())) ? name
                : name + "-kv-" + String.join("-", kvs);
    }
}
