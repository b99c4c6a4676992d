package org.lmqt.report;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.lmqt.cli.UserException;
import tech.tablesaw.api.StringColumn;
import tech.tablesaw.api.Table;

/**
 * The original's {@code combine.R}: stacks the harness results under {@code ppl/}, {@code stor/}, {@code qnt/}
 * and {@code allot/} into {@code combined.csv} (one row per model, algo, config and attempt) and
 * {@code quant-cfg-allocation.csv} (the allocation files with a leading {@code attempt} column). An attempt is the
 * folder below {@code mxq/} (empty for baselines).
 *
 * <p>Deliberate differences (spec section 8, item 20): the attempt is taken from the path <em>below</em> the
 * result folder, so an ancestor folder called {@code mxq} does not leak into it; models outside the original's
 * hard-coded table get their nominal size from the name ({@code ...-70B} is 7e10) instead of NA; no Excel files.
 */
public final class Combine {
    /** The result folders, in the original's order. */
    public static final List<String> TYPES = List.of("stor", "ppl", "qnt", "allot");

    /**
     * Columns of {@code combined.csv}: the original's, then lmqt's KL divergence from the unquantized model and
     * top-1 agreement per set (appended, so readers of the original's columns still work; empty where not measured).
     */
    public static final List<String> COMBINED_COLUMNS = List.of("model", "algo", "config", "bpp", "attempt",
            "ppl_wikitext", "ppl_c4", "load_mem_allot", "model_storage_size", "quant_duration", "param_count",
            "kld_wikitext", "kld_c4", "top1_agree_wikitext", "top1_agree_c4");

    private static final Pattern ATTEMPT = Pattern.compile("mxq/(.*)/");
    private static final Pattern MXQ_BUDGET = Pattern.compile("(\\d+)_(\\d+)");
    private static final Pattern HQQ_NAME = Pattern.compile("b(\\d+)g(\\d+)");
    private static final Pattern WEIGHT_BITS = Pattern.compile("'weight_bits_per_param': ([0-9.eE+-]+)");
    private static final Pattern SIZE = Pattern.compile("(?i)-(\\d+(?:\\.\\d+)?)b(?:-|$)");
    private static final Map<String, Double> NOMINAL_PARAMS = Map.of(
            "Llama-2-7b-hf", 7e9, "Llama-2-13b-hf", 13e9, "Meta-Llama-3-8B", 8e9);
    private static final double GIB = 1024.0 * 1024 * 1024;

    /** The two combined tables. */
    public record Result(Table combined, Table allocation) {}

    private Combine() {}

    /** Reads every {@code *.csv} under {@code dataDir/<type>} recursively (the original's default mode). */
    public static Result combine(Path dataDir) {
        Map<String, List<Path>> files = new LinkedHashMap<>();
        for (String type : TYPES) {
            files.put(type, csvFiles(dataDir.resolve(type), true));
        }
        return combine(files, dataDir);
    }

    /**
     * The original's {@code -b/-m} mode: {@code baselineDir/<type>/*.csv} (not recursive) plus every CSV under
     * {@code mxqDir/<type>} recursively.
     */
    public static Result combine(Path baselineDir, Path mxqDir) {
        Map<String, List<Path>> files = new LinkedHashMap<>();
        for (String type : TYPES) {
            List<Path> list = new ArrayList<>(csvFiles(baselineDir.resolve(type), false));
            list.addAll(csvFiles(mxqDir.resolve(type), true));
            files.put(type, list);
        }
        return combine(files, null);
    }

    /** The attempt of a result file: the folders between {@code mxq/} and the file name, or "" for baselines. */
    public static String attempt(Path typeDir, Path file) {
        String rel = typeDir.relativize(file).toString().replace('\\', '/');
        Matcher m = ATTEMPT.matcher(rel);
        return m.find() ? m.group(1) : "";
    }

    /**
     * Bits per parameter of a config name as {@code combine.R} computes it: 16 for {@code base}, the budget for
     * MXQ names ({@code 4_25} is 4.25), {@code round(b + 16/g + 32/(128 g), 2)} for {@code b<b>g<g>}; NaN otherwise.
     */
    public static double bpp(String config) {
        if (config.equals("base")) {
            return 16;
        }
        Matcher m = MXQ_BUDGET.matcher(config);
        if (m.matches()) {
            return Double.parseDouble(m.group(1) + "." + m.group(2));
        }
        m = HQQ_NAME.matcher(config);
        if (m.matches()) {
            double b = Double.parseDouble(m.group(1));
            double g = Double.parseDouble(m.group(2));
            return TidyCsv.round(b + 16 / g + 32 / (128 * g), 2);
        }
        return Double.NaN;
    }

    /** Nominal parameter count of a model (7e9 for Llama-2-7b-hf); NaN when the name carries no size. */
    public static double nominalParams(String model) {
        Double known = NOMINAL_PARAMS.get(model);
        if (known != null) {
            return known;
        }
        Matcher m = SIZE.matcher(model);
        return m.find() ? Double.parseDouble(m.group(1)) * 1e9 : Double.NaN;
    }

    // ---------------------------------------------------------------------------------------------------------

    private record Key(String model, String algo, String config, String attempt) {}

    private record Labeled(Table table, String attempt) {}

    private static Result combine(Map<String, List<Path>> files, Path dataDir) {
        Map<String, List<Labeled>> byType = new LinkedHashMap<>();
        for (var e : files.entrySet()) {
            List<Labeled> list = new ArrayList<>();
            for (Path f : e.getValue()) {
                Path typeDir = typeDir(f, e.getKey(), dataDir);
                list.add(new Labeled(TidyCsv.read(f), attempt(typeDir, f)));
            }
            byType.put(e.getKey(), list);
        }
        if (byType.get("ppl").isEmpty()) {
            throw new UserException("no perplexity results (ppl/**/*.csv) found" + (dataDir == null ? "" : " under " + dataDir));
        }
        return new Result(combined(byType), allocation(byType.get("allot")));
    }

    private static Path typeDir(Path file, String type, Path dataDir) {
        if (dataDir != null) {
            return dataDir.resolve(type);
        }
        for (Path p = file.getParent(); p != null; p = p.getParent()) {
            if (p.getFileName() != null && p.getFileName().toString().equals(type)) {
                return p;
            }
        }
        return file.getParent();
    }

    private static Table combined(Map<String, List<Labeled>> byType) {
        // quantisation times and storage by key, first occurrence first (dplyr's left join keeps file order)
        Map<Key, List<Double>> qnt = new LinkedHashMap<>();
        for (Labeled l : byType.get("qnt")) {
            forEachRow(l, (k, row) -> qnt.computeIfAbsent(k, x -> new ArrayList<>()).add(num(l.table, "quant_duration", row)));
        }
        Map<Key, List<double[]>> stor = new LinkedHashMap<>();
        for (Labeled l : byType.get("stor")) {
            forEachRow(l, (k, row) -> stor.computeIfAbsent(k, x -> new ArrayList<>()).add(new double[] {
                TidyCsv.round(num(l.table, "load_mem_allot", row) / GIB, 2),
                TidyCsv.round(num(l.table, "model_storage_size", row) / GIB, 2)}));
        }
        // the ppl rows drive the table; duplicates on the key are dropped, the first kept
        Tidy out = new Tidy(COMBINED_COLUMNS.toArray(String[]::new));
        Set<Key> seen = new HashSet<>();
        for (Labeled l : byType.get("ppl")) {
            forEachRow(l, (k, row) -> {
                if (!seen.add(k)) {
                    return;
                }
                double pplQuant = num(l.table, "quant_duration", row);
                List<Double> q = qnt.getOrDefault(k, List.of());
                double quant = pplQuant > 0 || Double.isNaN(pplQuant) ? pplQuant : (q.isEmpty() ? Double.NaN : q.get(0));
                double[] s = stor.getOrDefault(k, List.of()).stream().findFirst().orElse(new double[] {Double.NaN, Double.NaN});
                double[] kl = new double[4];                                 // kld and top-1 per set
                for (int d = 0; d < 2; d++) {
                    String set = d == 0 ? "wikitext" : "c4";
                    double kld = num(l.table, "kld_" + set, row);
                    double top1 = num(l.table, "top1_agree_" + set, row);
                    boolean measured = org.lmqt.harness.ResultColumns.klMeasured(kld, top1);
                    kl[d] = measured ? kld : Double.NaN;
                    kl[2 + d] = measured ? top1 : Double.NaN;
                }
                out.row(k.model, k.algo, k.config, nan(bpp(k.config, detail(l.table, row))), k.attempt,
                        nan(num(l.table, "ppl_wikitext", row)), nan(num(l.table, "ppl_c4", row)),
                        nan(s[0]), nan(s[1]), nan(quant), nan(nominalParams(k.model)), nan(kl[0]), nan(kl[1]),
                        nan(kl[2]), nan(kl[3]));
            });
        }
        return out.table("combined");
    }

    private static Table allocation(List<Labeled> files) {
        Table all = null;
        for (Labeled l : files) {
            Table t = l.table.copy();
            StringColumn attempt = StringColumn.create("attempt", t.rowCount());
            for (int i = 0; i < t.rowCount(); i++) {
                attempt.set(i, l.attempt);
            }
            t.insertColumn(0, attempt);
            if (all == null) {
                all = t;
            } else {
                if (!all.columnNames().equals(t.columnNames())) {
                    throw new UserException("allocation file " + l.table.name() + " has columns " + t.columnNames()
                            + ", expected " + all.columnNames());
                }
                all.append(t);
            }
        }
        return all == null ? Table.create("quant-cfg-allocation") : all.setName("quant-cfg-allocation");
    }

    private interface RowAction {
        void accept(Key key, int row);
    }

    private static void forEachRow(Labeled l, RowAction action) {
        Table t = l.table;
        TidyCsv.requireColumns(t, Path.of(t.name()), "model", "algo", "config");
        // lmqt's harness appends the KV-cache method: a quantized cache is a method of its own, "hqq+kivi2-g32-r128"
        boolean kv = t.columnNames().contains("kv");
        for (int r = 0; r < t.rowCount(); r++) {
            String algo = t.stringColumn("algo").get(r);
            String method = kv ? t.stringColumn("kv").get(r) : "";
            if (!method.isEmpty() && !method.equals("none")) {
                algo = algo + "+" + method;
            }
            action.accept(new Key(t.stringColumn("model").get(r), algo, t.stringColumn("config").get(r), l.attempt), r);
        }
    }

    /** The {@code config_detail} of a row ("" when the file has none). */
    private static String detail(Table t, int row) {
        return t.columnNames().contains("config_detail") ? t.stringColumn("config_detail").get(row) : "";
    }

    /**
     * The bit budget of a config name ({@link #bpp(String)}) or, for the activation methods (whose configs, such
     * as {@code w8a8} or {@code e4m3}, carry no bit count), the {@code 'weight_bits_per_param'} the harness measured
     * into {@code config_detail}, rounded to two decimals like the HQQ budgets; NaN when neither has one.
     */
    public static double bpp(String config, String configDetail) {
        double b = bpp(config);
        if (!Double.isNaN(b)) {
            return b;
        }
        Matcher m = WEIGHT_BITS.matcher(configDetail);
        return m.find() ? TidyCsv.round(Double.parseDouble(m.group(1)), 2) : Double.NaN;
    }

    private static double num(Table t, String column, int row) {
        return t.columnNames().contains(column) ? TidyCsv.parse(t.stringColumn(column).get(row)) : Double.NaN;
    }

    private static Double nan(double v) {
        return Double.isNaN(v) ? null : v;
    }

    private static List<Path> csvFiles(Path dir, boolean recursive) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> s = recursive ? Files.walk(dir) : Files.list(dir)) {
            // list.files() order: sorted by the path below the folder
            return s.filter(p -> Files.isRegularFile(p) && p.getFileName().toString().endsWith(".csv"))
                    .sorted((a, b) -> dir.relativize(a).toString().compareTo(dir.relativize(b).toString()))
                    .toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
    }
}
