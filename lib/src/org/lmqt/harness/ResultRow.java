package org.lmqt.harness;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lmqt.io.PyFloat;

/**
 * One row of {@code partial-*.csv} / {@code result-*.csv} (spec §5.6) with the original's columns in its order.
 * A task fills only its own metrics; the others stay integer 0, as pandas writes them. Integers (bytes) are
 * written plain, doubles as Python's {@code repr}.
 *
 * @param model        short model id
 * @param algo         {@code fp16}, {@code hqq}, {@code mxq}, ...
 * @param config       config name ({@code base}, {@code b4g64}, {@code 4_25})
 * @param configDetail the original's {@code str()} of the config dict
 * @param metrics      value of every metric column ({@link #METRICS}), {@link Long} or {@link Double}
 */
public record ResultRow(String model, String algo, String config, String configDetail, Map<String, Number> metrics) {

    /** The columns of the original's LLM result files, in order. */
    public static final List<String> ORIGINAL_COLUMNS = List.of("model", "algo", "config", "config_detail",
            "quant_duration", "model_storage_size", "load_mem_allot", "load_mem_reserved", "ppl_mem_allot",
            "ppl_mem_reserved", "leaderboard_mem_allot", "leaderboard_mem_reserved", "ppl_wikitext", "ppl_c4",
            "duration_wikitext", "duration_c4", "duration_leaderboard", "ifeval", "bbh", "mathlevel5", "gpqa", "musr",
            "mmlupro");
    /**
     * lmqt's columns after the original's (so readers of the original's files still work): the mean KL divergence
     * from the unquantized model and the share of positions where both put the same token first, per set.
     */
    public static final List<String> ADDED_COLUMNS = List.of("kld_wikitext", "kld_c4", "top1_agree_wikitext",
            "top1_agree_c4");
    /** Every column, in order. */
    public static final List<String> COLUMNS = java.util.stream.Stream.concat(ORIGINAL_COLUMNS.stream(),
            ADDED_COLUMNS.stream()).toList();
    /** The metric columns (all but the first four). */
    public static final List<String> METRICS = COLUMNS.subList(4, COLUMNS.size());
    /** Columns that hold wall-clock times or memory figures, which differ between otherwise equal runs. */
    public static final List<String> TIMING_COLUMNS = List.of("quant_duration", "load_mem_allot",
            "load_mem_reserved", "ppl_mem_allot", "ppl_mem_reserved", "leaderboard_mem_allot",
            "leaderboard_mem_reserved", "duration_wikitext", "duration_c4", "duration_leaderboard");

    public ResultRow {
        if (!metrics.keySet().equals(new java.util.HashSet<>(METRICS))) {
            throw new IllegalArgumentException("a result row needs exactly the metric columns " + METRICS);
        }
        for (var e : metrics.entrySet()) {
            if (!(e.getValue() instanceof Long || e.getValue() instanceof Double)) {
                throw new IllegalArgumentException(e.getKey() + " must be a Long or a Double");
            }
        }
        Map<String, Number> ordered = new LinkedHashMap<>();
        for (String c : METRICS) {
            ordered.put(c, metrics.get(c));
        }
        metrics = java.util.Collections.unmodifiableMap(ordered);
    }

    /** The row of {@code s} with every metric 0. */
    public static ResultRow empty(Subtask s) {
        Map<String, Number> zeros = new LinkedHashMap<>();
        METRICS.forEach(c -> zeros.put(c, 0L));
        return new ResultRow(s.model().name(), s.algo().cliName(), s.cfg(), s.algo().configDetail(s.cfg()), zeros);
    }

    /** This row with one metric set. */
    public ResultRow with(String column, Number value) {
        if (!METRICS.contains(column)) {
            throw new IllegalArgumentException("not a metric column: " + column);
        }
        Map<String, Number> m = new LinkedHashMap<>(metrics);
        m.put(column, value);
        return new ResultRow(model, algo, config, configDetail, m);
    }

    /** This row with another {@code config_detail} (methods that report what they measured on the model). */
    public ResultRow withConfigDetail(String detail) {
        return new ResultRow(model, algo, config, detail, metrics);
    }

    /** The header line (no terminator). */
    public static String header() {
        return String.join(",", COLUMNS);
    }

    /** The row as a CSV record (no terminator). */
    public String csvRecord() {
        List<String> f = new ArrayList<>(List.of(model, algo, config, configDetail));
        metrics.values().forEach(v -> f.add(v instanceof Double d ? PyFloat.repr(d) : v.toString()));
        return CsvLine.join(f);
    }

    /** Python's {@code round(x, digits)}: the exact binary value rounded half-even to {@code digits} decimals. */
    public static double round(double x, int digits) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return x;
        }
        return new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).doubleValue();
    }
}
