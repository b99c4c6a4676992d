package org.lmqt.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.Table;

/**
 * One row of {@code combined.csv} (spec 5.10): a model quantized by {@code algo} with {@code config}; memory in
 * GiB, durations in seconds; NaN where the original has NA.
 */
public record ResultRow(String model, String algo, String config, double bpp, String attempt, double pplWikitext,
                        double pplC4, double loadMemAllot, double storage, double quantDuration) {
    public ResultRow {
        attempt = attempt == null ? "" : attempt;
    }

    /** Reads {@code combined.csv}. */
    public static List<ResultRow> read(Path file) {
        return of(TidyCsv.read(file), file);
    }

    /** Rows of a combined table (as {@link Combine} returns it, or read from a file). */
    public static List<ResultRow> of(Table t, Path source) {
        TidyCsv.requireColumns(t, source, "model", "algo", "config", "bpp", "attempt", "ppl_wikitext", "ppl_c4");
        List<ResultRow> rows = new ArrayList<>();
        for (int r = 0; r < t.rowCount(); r++) {
            rows.add(new ResultRow(str(t, "model", r), str(t, "algo", r), str(t, "config", r), num(t, "bpp", r),
                    str(t, "attempt", r), num(t, "ppl_wikitext", r), num(t, "ppl_c4", r), num(t, "load_mem_allot", r),
                    num(t, "model_storage_size", r), num(t, "quant_duration", r)));
        }
        return rows;
    }

    /** The paper's method label: MXQ, FP16, AWQ, GPTQ, BnB, HQQ. */
    public String method() {
        return Labels.method(algo);
    }

    /** Perplexity on {@code dataset} ("WikiText2" or "C4"). */
    public double ppl(String dataset) {
        return switch (dataset) {
            case "WikiText2" -> pplWikitext;
            case "C4" -> pplC4;
            default -> throw new IllegalArgumentException("unknown dataset " + dataset);
        };
    }

    static String str(Table t, String col, int r) {
        if (!t.columnNames().contains(col)) {
            return "";
        }
        Object v = t.column(col).get(r);
        return v == null ? "" : v instanceof Number n ? TidyCsv.number(n.doubleValue()) : v.toString();
    }

    static double num(Table t, String col, int r) {
        if (!t.columnNames().contains(col) || t.column(col).isMissing(r)) {
            return Double.NaN;
        }
        Object v = t.column(col).get(r);
        return v instanceof Number n ? n.doubleValue() : TidyCsv.parse(v.toString());
    }
}
