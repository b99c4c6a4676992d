package org.lmqt.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import tech.tablesaw.api.Table;

/** One row of {@code fnorm-<model>.csv} (spec 5.1): the quantization error of one config on one matrix. */
public record FnormRow(int layer, String module, int nbit1, int gsize1, double fnorm, double memmb) {

    /** Reads {@code fnorm-<model>.csv}. */
    public static List<FnormRow> read(Path file) {
        Table t = TidyCsv.read(file);
        TidyCsv.requireColumns(t, file, "layer", "module", "nbit1", "gsize1", "fnorm", "memmb");
        List<FnormRow> rows = new ArrayList<>();
        for (int r = 0; r < t.rowCount(); r++) {
            rows.add(new FnormRow((int) ResultRow.num(t, "layer", r), ResultRow.str(t, "module", r),
                    (int) ResultRow.num(t, "nbit1", r), (int) ResultRow.num(t, "gsize1", r),
                    ResultRow.num(t, "fnorm", r), ResultRow.num(t, "memmb", r)));
        }
        return rows;
    }

    /** FNorm by {@code "<layer>.<module>.b<b>g<g>"}, for joining with allocations. */
    public static Map<String, Double> index(List<FnormRow> rows) {
        Map<String, Double> m = new HashMap<>();
        rows.forEach(f -> m.put(key(f.layer, f.module, "b" + f.nbit1 + "g" + f.gsize1), f.fnorm));
        return m;
    }

    /** The join key of {@link #index}. */
    public static String key(int layer, String module, String config) {
        return layer + "." + module + "." + config;
    }
}
