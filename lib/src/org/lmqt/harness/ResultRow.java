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
 * @param metrics      value of every metric column of {@code columns}, {@link Long} or {@link Double}
 * @param kv           the KV-cache method ({@code none}: exact), written in the trailing {@code kv} column (LLM)
 * @param kvBytesPerToken bytes of the KV cache per token with that method (0 when not measured), column
 *                     {@code kv_bytes_per_token} (LLM)
 * @param columns      the schema ({@link ResultColumns#LLM} for {@code quant-llm}, {@link ResultColumns#VIT}, which
 *                     has no KV columns)
 */
public record ResultRow(String model, String algo, String config, String configDetail, Map<String, Number> metrics,
                        String kv, double kvBytesPerToken, ResultColumns columns) {

    /** The columns of the original's LLM result files, in order. */
    public static final List<String> ORIGINAL_COLUMNS = ResultColumns.LLM.original();
    /**
     * lmqt's columns after the original's (so readers of the original's files still work): the mean KL divergence
     * from the unquantized model and the share of positions where both put the same token first, per set.
     */
    public static final List<String> ADDED_COLUMNS = ResultColumns.LLM.added();
    /** The columns up to the last metric: what lmqt wrote before the KV-cache columns. */
    public static final List<String> METRIC_COLUMNS = ResultColumns.LLM.metricColumns();
    /** The KV-cache method and its cache bytes per token, after the added columns. */
    public static final List<String> KV_COLUMNS = ResultColumns.LLM.trailing();
    /** The zero-shot tasks' columns ({@link ZeroshotColumns}), after the KV-cache columns. */
    public static final List<String> ZEROSHOT_COLUMNS = ResultColumns.LLM.appended();
    /** Every column, in order. */
    public static final List<String> COLUMNS = ResultColumns.LLM.all();
    /** The metric columns (after the first four; the KV columns aside). */
    public static final List<String> METRICS = ResultColumns.LLM.metrics();
    /** Columns that hold wall-clock times or memory figures, which differ between otherwise equal runs. */
    public static final List<String> TIMING_COLUMNS = ResultColumns.LLM.timing();

    /** A row of the LLM harness ({@link ResultColumns#LLM}) with the KV cache {@code kv}. */
    public ResultRow(String model, String algo, String config, String configDetail, Map<String, Number> metrics,
                     String kv, double kvBytesPerToken) {
        this(model, algo, config, configDetail, metrics, kv, kvBytesPerToken, ResultColumns.LLM);
    }

    public ResultRow {
        if (!metrics.keySet().equals(new java.util.HashSet<>(columns.metrics()))) {
            throw new IllegalArgumentException("a result row needs exactly the metric columns " + columns.metrics());
        }
        for (var e : metrics.entrySet()) {
            if (!(e.getValue() instanceof Long || e.getValue() instanceof Double)) {
                throw new IllegalArgumentException(e.getKey() + " must be a Long or a Double");
            }
        }
        Map<String, Number> ordered = new LinkedHashMap<>();
        for (String c : columns.metrics()) {
            ordered.put(c, metrics.get(c));
        }
        metrics = java.util.Collections.unmodifiableMap(ordered);
        if (!columns.trailing().isEmpty() && !columns.trailing().equals(ResultColumns.LLM.trailing())) {
            throw new IllegalArgumentException("unknown trailing columns " + columns.trailing());
        }
        if (kv == null || kv.isBlank() || !(kvBytesPerToken >= 0)) {
            throw new IllegalArgumentException("a result row needs a KV method name and bytes per token >= 0");
        }
    }

    /** A row of the LLM harness with the exact KV cache, bytes per token not measured. */
    public ResultRow(String model, String algo, String config, String configDetail, Map<String, Number> metrics) {
        this(model, algo, config, configDetail, metrics, "none", 0, ResultColumns.LLM);
    }

    /** The row of {@code s} with every metric 0. */
    public static ResultRow empty(Subtask s) {
        return empty(s, ResultColumns.LLM, s.algo().configDetail(s.cfg()));
    }

    /** The row of {@code s} in {@code columns} with every metric 0 and the given config detail. */
    public static ResultRow empty(Subtask s, ResultColumns columns, String configDetail) {
        Map<String, Number> zeros = new LinkedHashMap<>();
        columns.metrics().forEach(c -> zeros.put(c, 0L));
        return new ResultRow(s.model().name(), s.algo().cliName(), s.cfg(), configDetail, zeros, s.kv(), 0, columns);
    }

    /** This row with the KV cache's bytes per token. */
    public ResultRow withKvBytesPerToken(double bytes) {
        return new ResultRow(model, algo, config, configDetail, metrics, kv, bytes, columns);
    }

    /** This row with one metric set. */
    public ResultRow with(String column, Number value) {
        if (!columns.metrics().contains(column)) {
            throw new IllegalArgumentException("not a metric column: " + column);
        }
        Map<String, Number> m = new LinkedHashMap<>(metrics);
        m.put(column, value);
        return new ResultRow(model, algo, config, configDetail, m, kv, kvBytesPerToken, columns);
    }

    /** This row with another {@code config_detail} (methods that report what they measured on the model). */
    public ResultRow withConfigDetail(String detail) {
        return new ResultRow(model, algo, config, detail, metrics, kv, kvBytesPerToken, columns);
    }

    /** The header line of the LLM schema (no terminator). */
    public static String header() {
        return ResultColumns.LLM.header();
    }

    /** The row as a CSV record (no terminator). */
    public String csvRecord() {
        List<String> f = new ArrayList<>(List.of(model, algo, config, configDetail));
        List<String> before = columns.metricColumns();
        before.subList(ResultColumns.KEYS.size(), before.size()).forEach(c -> f.add(format(metrics.get(c))));
        if (!columns.trailing().isEmpty()) {
            f.add(kv);
            f.add(PyFloat.repr(kvBytesPerToken));
        }
        columns.appended().forEach(c -> f.add(format(metrics.get(c))));
        return CsvLine.join(f);
    }

    private static String format(Number v) {
        return v instanceof Double d ? PyFloat.repr(d) : v.toString();
    }

    /** Python's {@code round(x, digits)}: the exact binary value rounded half-even to {@code digits} decimals. */
    public static double round(double x, int digits) {
        if (Double.isNaN(x) || Double.isInfinite(x)) {
            return x;
        }
        return new BigDecimal(x).setScale(digits, RoundingMode.HALF_EVEN).doubleValue();
    }
}
