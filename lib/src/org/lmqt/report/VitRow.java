package org.lmqt.report;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.lmqt.cli.UserException;
import org.lmqt.harness.ResultColumns;
import org.lmqt.harness.ResultFiles;
import org.lmqt.io.PyFloat;
import org.lmqt.quant.QuantConfig;
import tech.tablesaw.api.Table;

/**
 * One row of the ViT results as the original's {@code combine-vit.R} writes {@code data/vit/combined.csv}: a
 * (model, algo, config) with its bit budget, both tasks' accuracies, memory in MiB and durations.
 *
 * @param model    short model id
 * @param algo     {@code fp16}, {@code hqq}, {@code mxq}
 * @param config   {@code base}, {@code b4g64}, {@code 4_25}
 * @param bpp      bits per parameter (16 for fp16, the budget for mxq, {@code b1 + 2*8/g1 + 32/(g1*128)} rounded
 *                 to 2 decimals for hqq, as the archive has it)
 * @param values   the metric columns of {@link #COLUMNS} after {@code bpp}, NaN where not measured
 */
public record VitRow(String model, String algo, String config, double bpp, Map<String, Double> values) {
    /** The columns of {@code combined.csv}. */
    public static final List<String> COLUMNS = List.of("model", "algo", "config", "bpp", "zeroshot_mem_allot",
            "zeroshot_mem_reserved", "acc1_zeroshot_cls", "acc5_zeroshot_cls", "recall_zeroshot_cls",
            "duration_zeroshot_cls", "linear_probe_mem_allot", "linear_probe_mem_reserved", "acc1_linear_probe",
            "acc5_linear_probe", "recall_linear_probe", "duration_linear_probe");
    /** The metric columns. */
    public static final List<String> METRICS = COLUMNS.subList(4, COLUMNS.size());

    public VitRow {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        if (!values.keySet().equals(new java.util.HashSet<>(METRICS))) {
            throw new IllegalArgumentException("a ViT row needs the columns " + METRICS);
        }
    }

    /** A metric. */
    public double value(String column) {
        return values.get(column);
    }

    /** The paper's method label. */
    public String method() {
        return Labels.method(algo);
    }

    /** Rows of a {@code combined.csv} (the archive's {@code data-vis/data/vit/combined.csv}). */
    public static List<VitRow> readCombined(Path file) {
        Table t = TidyCsv.read(file);
        TidyCsv.requireColumns(t, file, COLUMNS.toArray(String[]::new));
        List<VitRow> rows = new ArrayList<>();
        for (int r = 0; r < t.rowCount(); r++) {
            Map<String, Double> v = new LinkedHashMap<>();
            for (String c : METRICS) {
                v.put(c, ResultRow.num(t, c, r));
            }
            rows.add(new VitRow(ResultRow.str(t, "model", r), ResultRow.str(t, "algo", r),
                    ResultRow.str(t, "config", r), ResultRow.num(t, "bpp", r), v));
        }
        return rows;
    }

    /**
     * The rows of {@code quant-vit} result files, zero-shot and linear-probe results of the same (model, algo,
     * config) merged into one row (a task's columns are 0 in the other task's file); memory in MiB.
     */
    public static List<VitRow> fromResults(List<Path> resultFiles) {
        List<String> cols = ResultColumns.VIT.all();
        Map<String, Map<String, Double>> merged = new LinkedHashMap<>();
        Map<String, String[]> ids = new LinkedHashMap<>();
        for (Path f : resultFiles) {
            for (List<String> row : ResultFiles.readRows(f)) {
                if (row.size() != cols.size()) {
                    throw new UserException(f + " is not a quant-vit result file (" + row.size() + " columns, not "
                            + cols.size() + ")");
                }
                String key = row.get(0) + "|" + row.get(1) + "|" + row.get(2);
                ids.putIfAbsent(key, new String[] {row.get(0), row.get(1), row.get(2)});
                Map<String, Double> v = merged.computeIfAbsent(key, k -> new LinkedHashMap<>());
                for (String c : METRICS) {
                    String text = row.get(cols.indexOf(c));
                    double x = text.isEmpty() ? Double.NaN : Double.parseDouble(text);
                    if (c.contains("_mem_")) {
                        x /= 1024 * 1024;
                    }
                    // a task's file has 0 in the other task's columns
                    if (!v.containsKey(c) || v.get(c) == 0 || Double.isNaN(v.get(c))) {
                        v.put(c, x);
                    }
                }
            }
        }
        List<VitRow> out = new ArrayList<>();
        for (var e : merged.entrySet()) {
            String[] id = ids.get(e.getKey());
            out.add(new VitRow(id[0], id[1], id[2], bpp(id[1], id[2]), e.getValue()));
        }
        return out;
    }

    /** The bit budget of a config as {@code combine-vit.R} labels it. */
    public static double bpp(String algo, String config) {
        return switch (algo) {
            case "fp16" -> 16;
            case "mxq" -> Double.parseDouble(config.replace('_', '.'));
            default -> Math.round(QuantConfig.parse(config).bitsPerParameter() * 100) / 100.0;
        };
    }

    /** The rows as {@code combined.csv} (pandas number format, NaN empty). */
    public static String toCsv(List<VitRow> rows) {
        StringBuilder sb = new StringBuilder(String.join(",", COLUMNS)).append('\n');
        for (VitRow r : rows) {
            sb.append(r.model()).append(',').append(r.algo()).append(',').append(r.config()).append(',')
                    .append(PyFloat.repr(r.bpp()));
            for (String c : METRICS) {
                sb.append(',').append(PyFloat.repr(r.value(c)));
            }
            sb.append('\n');
        }
        return sb.toString();
    }
}
