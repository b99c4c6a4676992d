package org.lmqt.vit;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import org.lmqt.cli.UserException;
import org.lmqt.harness.Algo;
import org.lmqt.harness.ModelRef;
import org.lmqt.harness.Plan;
import org.lmqt.harness.Subtask;
import org.lmqt.harness.Task;

/** The grid of {@code quant-vit} (the original's {@code cli.py vit}): fp16, hqq and mxq only, ViT defaults. */
public final class VitPlan {
    /** The original's default ViT MXQ budgets, in its order. */
    public static final List<String> MXQ_BUDGETS = org.lmqt.mxq.Budgets.VIT;
    /** The algos the ViT harness has configs for. */
    public static final List<Algo> ALGOS = List.of(Algo.FP16, Algo.HQQ, Algo.MXQ);

    private VitPlan() {}

    /**
     * algo x config x model for a ViT task: fp16 runs {@code base}; hqq the {@code bXgY} values of
     * {@code configs} (default: the original's 12 HQQ configs); mxq the bit budgets of {@code configs} (default:
     * {@link #MXQ_BUDGETS}). A value that fits none of the algos is a one-line error.
     */
    public static Plan of(List<ModelRef> models, List<Algo> algos, List<String> configs, Task task) {
        if (!Task.VIT.contains(task)) {
            throw new UserException("quant-vit runs eval_zeroshot_cls or eval_linear_probe, not " + task);
        }
        if (models.isEmpty() || algos.isEmpty()) {
            throw new UserException("give at least one --model and one --algo");
        }
        for (Algo a : algos) {
            if (!ALGOS.contains(a)) {
                throw new UserException("quant-vit has configs for fp16, hqq and mxq only, not " + a);
            }
        }
        for (String v : configs) {
            if (algos.stream().allMatch(a -> a == Algo.FP16 || a.configName(v).isEmpty())) {
                throw new UserException("config '" + v + "' fits none of the algos " + algos
                        + " (b<bits>g<group> for hqq, a bit budget such as 4.00 for mxq)");
            }
        }
        List<Subtask> list = new ArrayList<>();
        for (Algo algo : new LinkedHashSet<>(algos)) {
            for (String cfg : configsOf(algo, configs)) {
                for (ModelRef m : new LinkedHashSet<>(models)) {
                    list.add(new Subtask(m, cfg, task, algo));
                }
            }
        }
        return new Plan(task, list);
    }

    private static List<String> configsOf(Algo algo, List<String> configs) {
        if (algo == Algo.FP16) {
            return List.of("base");
        }
        if (configs.isEmpty()) {
            return algo == Algo.MXQ ? MXQ_BUDGETS.stream().map(b -> algo.configName(b).orElseThrow()).toList()
                    : Algo.HQQ_CONFIGS;
        }
        List<String> names = configs.stream().map(algo::configName).flatMap(Optional::stream).distinct().toList();
        if (names.isEmpty()) {
            throw new UserException("none of the configs " + configs + " is a config of algo " + algo);
        }
        return names;
    }
}
