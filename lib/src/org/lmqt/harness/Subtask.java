package org.lmqt.harness;

import java.nio.file.Path;

/**
 * One cell of the grid: a model quantized with one algo and config, then the task. Identified in
 * {@code progress.csv} by (model id, cfg, task_type, algo), as in the original.
 */
public record Subtask(ModelRef model, String cfg, Task task, Algo algo) {

    public Subtask {
        if (algo.configName(cfg).filter(cfg::equals).isEmpty()) {
            throw new IllegalArgumentException("'" + cfg + "' is not a config name of algo " + algo);
        }
    }

    /** The progress key. */
    public ProgressTable.Key key() {
        return new ProgressTable.Key(model.id(), cfg, task.cliName(), algo.cliName());
    }

    /** {@code partial-<algo>-<short model>-<cfg>.csv}. */
    public String partialFileName() {
        return "partial-" + algo.cliName() + "-" + model.name() + "-" + cfg + ".csv";
    }

    /** The name of the subtask's own state file ({@link ProgressTable.Key#stateFileName}). */
    public String stateFileName() {
        return key().stateFileName();
    }

    /** {@code <snapshot root>/<org>/<name>-<cfg>-<algo>}, the original's snapshot folder. */
    public Path snapshotDir(Path snapshotRoot) {
        return snapshotRoot.resolve(model.org()).resolve(model.name() + "-" + cfg + "-" + algo.cliName());
    }

    /** {@code eval_ppl hqq b4g64 Llama-2-7b-hf}, for progress lines. */
    public String label() {
        return task.cliName() + " " + algo.cliName() + " " + cfg + " " + model.name();
    }
}
