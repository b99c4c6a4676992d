package org.lmqt.harness;

import java.nio.file.Path;
import org.lmqt.model.KvPolicy;
import org.lmqt.quant.kv.KvMethods;

/**
 * One cell of the grid: a model quantized with one algo and config, with a KV-cache method ({@code none}: the
 * exact cache), then the task. Identified in {@code progress.csv} by (model id, cfg, task_type, algo), as in the
 * original; with a KV method the cfg field there reads {@code <cfg>+<kv>} (so the file keeps its columns).
 *
 * @param kv the KV-cache method's canonical name ({@link KvMethods}); only {@code eval_ppl} uses it
 */
public record Subtask(ModelRef model, String cfg, Task task, Algo algo, String kv) {

    public Subtask {
        if (algo.configName(cfg).filter(cfg::equals).isEmpty()) {
            throw new IllegalArgumentException("'" + cfg + "' is not a config name of algo " + algo);
        }
        kv = KvMethods.parse(kv).name();
    }

    /** A subtask with the exact KV cache. */
    public Subtask(ModelRef model, String cfg, Task task, Algo algo) {
        this(model, cfg, task, algo, KvPolicy.EXACT.name());
    }

    /** Whether the subtask uses a quantized KV cache. */
    public boolean quantizedKv() {
        return !kv.equals(KvPolicy.EXACT.name());
    }

    /** {@code cfg}, or {@code <cfg>+<kv>} with a KV method: the cfg of the progress key and the file names. */
    public String cfgWithKv() {
        return quantizedKv() ? cfg + "+" + kv : cfg;
    }

    /** The progress key. */
    public ProgressTable.Key key() {
        return new ProgressTable.Key(model.id(), cfgWithKv(), task.cliName(), algo.cliName());
    }

    /** {@code partial-<algo>-<short model>-<cfg>[+<kv>].csv}. */
    public String partialFileName() {
        return "partial-" + algo.cliName() + "-" + model.name() + "-" + cfgWithKv() + ".csv";
    }

    /** The name of the subtask's own state file ({@link ProgressTable.Key#stateFileName}). */
    public String stateFileName() {
        return key().stateFileName();
    }

    /** {@code <snapshot root>/<org>/<name>-<cfg>-<algo>}, the original's snapshot folder. */
    public Path snapshotDir(Path snapshotRoot) {
        return snapshotRoot.resolve(model.org()).resolve(model.name() + "-" + cfg + "-" + algo.cliName());
    }

    /** {@code eval_ppl hqq b4g64 Llama-2-7b-hf} ({@code ... kv kivi2-g32-r128}), for progress lines. */
    public String label() {
        return task.cliName() + " " + algo.cliName() + " " + cfg + " " + model.name() + (quantizedKv() ? " kv " + kv : "");
    }
}
