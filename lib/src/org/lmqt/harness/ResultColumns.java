package org.lmqt.harness;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The column schema of one harness's result files: the four identifying columns, the original's metric columns,
 * lmqt's added metric columns after them, trailing non-metric columns (the LLM harness's KV-cache method), the metric
 * columns appended after those (the zero-shot tasks'), and which metrics are timings or memory figures. Every
 * addition comes after the columns that existed before it, so readers of older files (by position or by name) still
 * work, and {@link ResultFiles#combine} pads the partial files of an older lmqt. {@link #LLM} is
 * {@code cli.py llm}'s (spec §5.6), {@link #VIT} {@code cli.py vit}'s (spec §5.7).
 *
 * @param original         the original's columns, in order (the first four are model, algo, config, config_detail)
 * @param added            lmqt's metric columns after them (a partial file without them reads them as 0)
 * @param trailing         non-metric columns after those
 * @param trailingDefaults the value of each trailing column in a partial file written before it existed
 * @param appended         metric columns after the trailing ones (a partial file without them reads them as 0)
 * @param timing           columns that hold wall-clock times or memory figures
 */
public record ResultColumns(List<String> original, List<String> added, List<String> trailing,
                            List<String> trailingDefaults, List<String> appended, List<String> timing) {
    /** The identifying columns every schema starts with. */
    static final List<String> KEYS = List.of("model", "algo", "config", "config_detail");

    /**
     * {@code cli.py llm}: perplexity, storage, leaderboard; plus lmqt's KL divergence and top-1 agreement, then the
     * KV-cache method and its bytes per token.
     */
    public static final ResultColumns LLM = new ResultColumns(List.of("model", "algo", "config", "config_detail",
            "quant_duration", "model_storage_size", "load_mem_allot", "load_mem_reserved", "ppl_mem_allot",
            "ppl_mem_reserved", "leaderboard_mem_allot", "leaderboard_mem_reserved", "ppl_wikitext", "ppl_c4",
            "duration_wikitext", "duration_c4", "duration_leaderboard", "ifeval", "bbh", "mathlevel5", "gpqa", "musr",
            "mmlupro"),
            List.of("kld_wikitext", "kld_c4", "top1_agree_wikitext", "top1_agree_c4"),
            List.of("kv", "kv_bytes_per_token"), List.of("none", "0.0"), ZeroshotColumns.ALL,
            java.util.stream.Stream.concat(Stream.of("quant_duration", "load_mem_allot", "load_mem_reserved",
                    "ppl_mem_allot", "ppl_mem_reserved", "leaderboard_mem_allot", "leaderboard_mem_reserved",
                    "duration_wikitext", "duration_c4", "duration_leaderboard"),
                    Stream.of(ZeroshotColumns.DURATION)).toList());

    /** {@code cli.py vit}: zero-shot classification and linear probe (accuracies as fractions). */
    public static final ResultColumns VIT = new ResultColumns(List.of("model", "algo", "config", "config_detail",
            "quant_duration", "load_mem_allot", "load_mem_reserved", "zeroshot_mem_allot", "zeroshot_mem_reserved",
            "linear_probe_mem_allot", "linear_probe_mem_reserved", "acc1_zeroshot_cls", "acc5_zeroshot_cls",
            "recall_zeroshot_cls", "duration_zeroshot_cls", "acc1_linear_probe", "acc5_linear_probe",
            "recall_linear_probe", "duration_linear_probe"),
            List.of(), List.of(), List.of(), List.of(),
            List.of("quant_duration", "load_mem_allot", "load_mem_reserved", "zeroshot_mem_allot",
                    "zeroshot_mem_reserved", "linear_probe_mem_allot", "linear_probe_mem_reserved",
                    "duration_zeroshot_cls", "duration_linear_probe"));

    /**
     * Whether a KL divergence and its top-1 agreement were measured: the harness writes 0 for what it did not measure
     * (as the original does for its metrics), and a measured top-1 agreement of 0 next to a KL of 0 cannot happen.
     */
    public static boolean klMeasured(double kld, double top1Agree) {
        return !Double.isNaN(kld) && !Double.isNaN(top1Agree) && !(kld == 0 && top1Agree == 0);
    }

    /** The schemas {@link ResultFiles#combine} recognises. */
    static final List<ResultColumns> KNOWN = List.of(LLM, VIT);

    public ResultColumns {
        original = List.copyOf(original);
        added = List.copyOf(added);
        trailing = List.copyOf(trailing);
        trailingDefaults = List.copyOf(trailingDefaults);
        appended = List.copyOf(appended);
        timing = List.copyOf(timing);
        if (original.size() < KEYS.size() || !original.subList(0, KEYS.size()).equals(KEYS)) {
            throw new IllegalArgumentException("result columns must start with " + KEYS);
        }
        if (trailing.size() != trailingDefaults.size()) {
            throw new IllegalArgumentException("every trailing column needs a default");
        }
        if (!Stream.of(original, added, appended).flatMap(List::stream).toList().containsAll(timing)) {
            throw new IllegalArgumentException("timing columns " + timing + " are not all metric columns");
        }
    }

    /** The columns before the trailing ones: keys, original and added metrics. */
    public List<String> metricColumns() {
        return Stream.concat(original.stream(), added.stream()).toList();
    }

    /** Every column, in order. */
    public List<String> all() {
        return Stream.of(metricColumns(), trailing, appended).flatMap(List::stream).toList();
    }

    /** The metric columns: after the first four, the original and added ones, then the appended ones. */
    public List<String> metrics() {
        List<String> a = metricColumns();
        return Stream.concat(a.subList(KEYS.size(), a.size()).stream(), appended.stream()).toList();
    }

    /** The header line (no terminator). */
    public String header() {
        return String.join(",", all());
    }

    /**
     * What to append to each data line of a partial file, by its header: nothing for this schema's header; zeros for
     * the appended metrics for a file written before them; also the trailing defaults for one written before the
     * trailing columns; also zeros for the added metrics for one written before those.
     */
    public Map<String, String> paddingByHeader() {
        String trailingPad = trailingDefaults.stream().map(v -> "," + v).reduce("", String::concat);
        String appendedPad = ",0".repeat(appended.size());
        Map<String, String> m = new LinkedHashMap<>();
        m.put(header(), "");
        m.putIfAbsent(String.join(",", Stream.concat(metricColumns().stream(), trailing.stream()).toList()),
                appendedPad);
        m.putIfAbsent(String.join(",", metricColumns()), trailingPad + appendedPad);
        m.putIfAbsent(String.join(",", original), ",0".repeat(added.size()) + trailingPad + appendedPad);
        return m;
    }
}
