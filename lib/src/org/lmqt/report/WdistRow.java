package org.lmqt.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.Table;

/** One row of {@code wdist-<model>.csv} (spec 5.3): |w| percentiles and kurtosis of one tensor. */
public record WdistRow(String module, long paramCount, int layer, double p0, double p99, double p999, double p9999,
                       double p100, double kurtosis) {

    /** Reads an LLM {@code wdist-<model>.csv}. */
    public static List<WdistRow> read(Path file) {
        Table t = TidyCsv.read(file);
        TidyCsv.requireColumns(t, file, "module", "param_count", "layer", "percentile_0", "percentile_99",
                "percentile_999", "percentile_9999", "percentile_100", "kurtosis");
        List<WdistRow> rows = new ArrayList<>();
        for (int r = 0; r < t.rowCount(); r++) {
            rows.add(new WdistRow(ResultRow.str(t, "module", r), (long) ResultRow.num(t, "param_count", r),
                    (int) ResultRow.num(t, "layer", r), ResultRow.num(t, "percentile_0", r),
                    ResultRow.num(t, "percentile_99", r), ResultRow.num(t, "percentile_999", r),
                    ResultRow.num(t, "percentile_9999", r), ResultRow.num(t, "percentile_100", r),
                    ResultRow.num(t, "kurtosis", r)));
        }
        return rows;
    }

    /** The percentiles 0, 99, 99.9, 99.99, 100 in that order. */
    public double[] percentiles() {
        return new double[] {p0, p99, p999, p9999, p100};
    }
}
