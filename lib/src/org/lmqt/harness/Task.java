package org.lmqt.harness;

import java.util.Arrays;
import java.util.stream.Collectors;

/** What one run of the harness does for every (model, algo, config) of its grid; the original's {@code --task}. */
public enum Task {
    /** Quantize and save the snapshot (only {@code quant_duration} is recorded). */
    QUANT("quant"),
    /** Perplexity on WikiText-2 / C4 (or a text file): {@code ppl_*}, {@code duration_*}, {@code ppl_mem_*}. */
    EVAL_PPL("eval_ppl"),
    /** Snapshot size on disk and memory after loading: {@code model_storage_size}, {@code load_mem_*}. */
    EVAL_MODEL_STORAGE("eval_model_storage");

    private final String cliName;

    Task(String cliName) {
        this.cliName = cliName;
    }

    /** The original's name ({@code eval_ppl}), used in {@code progress.csv} and on the command line. */
    public String cliName() {
        return cliName;
    }

    /** Parses a task name; a one-line error listing the known names otherwise. */
    public static Task parse(String s) {
        for (Task t : values()) {
            if (t.cliName.equals(s.trim())) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown task '" + s + "' (known: "
                + Arrays.stream(values()).map(Task::cliName).collect(Collectors.joining(", ")) + ")");
    }

    @Override
    public String toString() {
        return cliName;
    }
}
