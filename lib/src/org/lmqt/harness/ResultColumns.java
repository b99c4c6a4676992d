package org.lmqt.harness;

import java.util.List;
import java.util.stream.Stream;

/**
 * The column schema of one harness's result files: the four identifying columns, the original's metric columns,
 * lmqt's added columns after them, and which metrics are timings or memory figures. {@link #LLM} is
 * {@code cli.py llm}'s (spec §5.6), {@link #VIT} {@code cli.py vit}'s (spec §5.7).
 *
 * @param original the original's columns, in order (the first four are model, algo, config, config_detail)
 * @param added    lmqt's columns after them (a partial file without them reads them as 0)
 * @param timing   columns that hold wall-clock times or memory figures
 */
public record ResultColumns(List<String> original, List<String> added, List<String> timing) {
    /** The identifying columns every schema starts with. */
    static final List<String> KEYS = List.of("model", "algo", "config", "config_detail");

    /** {@code cli.py llm}: perplexity, storage, leaderboard; plus lmqt's KL divergence and top-1 agreement. */
    public static final ResultColumns LLM = new ResultColumns(List.of("model", "algo", "config", "config_detail",
            "quant_duration", "model_storage_size", "load_mem_allot", "load_mem_reserved", "ppl_mem_allot",
            "ppl_mem_reserved", "leaderboard_mem_allot", "leaderboard_mem_reserved", "ppl_wikitext", "ppl_c4",
            "duration_wikitext", "duration_c4", "duration_leaderboard", "ifeval", "bbh", "mathlevel5", "gpqa", "musr",
            "mmlupro"),
            List.of("kld_wikitext", "kld_c4", "top1_agree_wikitext", "top1_agree_c4"),
            List.of("quant_duration", "load_mem_allot", "load_mem_reserved", "ppl_mem_allot", "ppl_mem_reserved",
                    "leaderboard_mem_allot", "leaderboard_mem_reserved", "duration_wikitext", "duration_c4",
                    "duration_leaderboard"));

    /** {@code cli.py vit}: zero-shot classification and linear probe (accuracies as fractions). */
    public static final ResultColumns VIT = new ResultColumns(List.of("model", "algo", "config", "config_detail",
            "quant_duration", "load_mem_allot", "load_mem_reserved", "zeroshot_mem_allot", "zeroshot_mem_reserved",
            "linear_probe_mem_allot", "linear_probe_mem_reserved", "acc1_zeroshot_cls", "acc5_zeroshot_cls",
            "recall_zeroshot_cls", "duration_zeroshot_cls", "acc1_linear_probe", "acc5_linear_probe",
            "recall_linear_probe", "duration_linear_probe"),
            List.of(),
            List.of("quant_duration", "load_mem_allot", "load_mem_reserved", "zeroshot_mem_allot",
                    "zeroshot_mem_reserved", "linear_probe_mem_allot", "linear_probe_mem_reserved",
                    "duration_zeroshot_cls", "duration_linear_probe"));

    /** The schemas {@link ResultFiles#combine} recognises. */
    static final List<ResultColumns> KNOWN = List.of(LLM, VIT);

    public ResultColumns {
        original = List.copyOf(original);
        added = List.copyOf(added);
        timing = List.copyOf(timing);
        if (original.size() < KEYS.size() || !original.subList(0, KEYS.size()).equals(KEYS)) {
            throw new IllegalArgumentException("result columns must start with " + KEYS);
        }
        if (!Stream.concat(original.stream(), added.stream()).toList().containsAll(timing)) {
            throw new IllegalArgumentException("timing columns " + timing + " are not all result columns");
        }
    }

    /** Every column, in order. */
    public List<String> all() {
        return Stream.concat(original.stream(), added.stream()).toList();
    }

    /** The metric columns (all but the first four). */
    public List<String> metrics() {
        List<String> a = all();
        return a.subList(KEYS.size(), a.size());
    }

    /** The header line (no terminator). */
    public String header() {
        return String.join(",", all());
    }

    /** The header of a file written before the added columns existed. */
    public String originalHeader() {
        return String.join(",", original);
    }
}
