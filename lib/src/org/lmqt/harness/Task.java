package org.lmqt.harness;

import java.util.Locale;

/** What one run of the harness does for every (model, algo, config) of its grid; the original's {@code --task}. */
public enum Task {
    /** Quantize and save the snapshot (only {@code quant_duration} is recorded). */
    QUANT,
    /** Perplexity on WikiText-2 / C4 (or a text file): {@code ppl_*}, {@code duration_*}, {@code ppl_mem_*}. */
    EVAL_PPL,
    /** Snapshot size on disk and memory after loading: {@code model_storage_size}, {@code load_mem_*}. */
    EVAL_MODEL_STORAGE,
    /** lmqt's: lm-eval's zero-/few-shot tasks from the hub cache ({@link ZeroshotColumns}: {@code acc_*}, ...). */
    EVAL_ZEROSHOT,
    /** ViT ({@code quant-vit}): zero-shot classification, {@code acc1/acc5/recall_zeroshot_cls}. */
    EVAL_ZEROSHOT_CLS,
    /** ViT ({@code quant-vit}): linear probe on frozen image features, {@code acc1/acc5/recall_linear_probe}. */
    EVAL_LINEAR_PROBE;

    /** The LLM harness's tasks ({@code quant-llm}). */
    public static final java.util.List<Task> LLM = java.util.List.of(QUANT, EVAL_PPL, EVAL_MODEL_STORAGE,
            EVAL_ZEROSHOT);
    /** The ViT harness's tasks ({@code quant-vit}). */
    public static final java.util.List<Task> VIT = java.util.List.of(EVAL_ZEROSHOT_CLS, EVAL_LINEAR_PROBE);

    /** The original's name ({@code eval_ppl}), used in {@code progress.csv} and on the command line. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** Parses a task name; a one-line error listing the known names otherwise. */
    public static Task parse(String s) {
        return CliNames.parse(values(), Task::cliName, s, "task");
    }

    @Override
    public String toString() {
        return cliName();
    }
}
