package org.lmqt.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import tech.tablesaw.api.Table;

/** One row of {@code quant-cfg-allocation.csv} (spec 5.9): the config one matrix got in one attempt. */
public record AllotRow(String attempt, String model, String module, int layer, double memmb, long paramCnt,
                       double bitBudget, int b1, int g1) {

    /** Reads {@code quant-cfg-allocation.csv}. */
    public static List<AllotRow> read(Path file) {
        return of(TidyCsv.read(file), file);
    }

    /** Rows of an allocation table (as {@link Combine} returns it, or read from a file). */
    public static List<AllotRow> of(Table t, Path source) {
        TidyCsv.requireColumns(t, source, "attempt", "model", "module", "layer", "memmb", "param_cnt", "bit_budget", "b1", "g1");
        List<AllotRow> rows = new ArrayList<>();
        for (int r = 0; r < t.rowCount(); r++) {
            rows.add(new AllotRow(ResultRow.str(t, "attempt", r), ResultRow.str(t, "model", r),
                    ResultRow.str(t, "module", r), (int) ResultRow.num(t, "layer", r), ResultRow.num(t, "memmb", r),
                    (long) ResultRow.num(t, "param_cnt", r), ResultRow.num(t, "bit_budget", r),
                    (int) ResultRow.num(t, "b1", r), (int) ResultRow.num(t, "g1", r)));
        }
        return rows;
    }

    /** {@code b<b1>g<g1>}. */
    public String config() {
        return "b" + b1 + "g" + g1;
    }

    /** The attempt as the figures name it: {@code hqq} for the baseline rows (empty attempt). */
    public String attemptName() {
        return attempt.isEmpty() ? "hqq" : attempt;
    }
}
