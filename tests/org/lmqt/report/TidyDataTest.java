package org.lmqt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import tech.tablesaw.api.Table;

/** The tidy CSVs beside the figures, spot-checked against the inputs (read here line by line, independently). */
class TidyDataTest {
    private static final Path ROOT = TestData.shared("paper-data");
    private static final Path DATA = ROOT.resolve("data-vis/data");

    /** combined.csv rows as model|algo|config|attempt to fields. */
    private static Map<String, String[]> combinedLines(Path file) throws Exception {
        Map<String, String[]> m = new HashMap<>();
        for (String line : Files.readAllLines(file).subList(1, Files.readAllLines(file).size())) {
            String[] f = line.split(",", -1);
            m.putIfAbsent(f[0] + "|" + f[1] + "|" + f[2] + "|" + f[4], f);
        }
        return m;
    }

    private static double value(Table t, String filter, String column) {
        for (int r = 0; r < t.rowCount(); r++) {
            StringBuilder k = new StringBuilder();
            for (String c : List.of("dataset", "method", "config")) {
                k.append(t.column(c).getString(r)).append('|');
            }
            if (k.toString().equals(filter)) {
                return t.doubleColumn(column).get(r);
            }
        }
        throw new AssertionError("no tidy row " + filter);
    }

    @Test
    void table2RowsOfTheThreeLlamaModels() throws Exception {
        Map<String, String[]> in = combinedLines(DATA.resolve("combined.csv"));
        List<ResultRow> results = ResultRow.read(DATA.resolve("combined.csv"));
        for (String model : Labels.PAPER_MODELS) {
            Table t = PplMemChart.build(model, results, PplMemChart.Options.paper(model)).data();
            for (String cfg : List.of("b3g128", "b3g64", "b3g32", "b4g128", "b4g64", "b4g32")) {
                String[] hqq = in.get(model + "|hqq|" + cfg + "|");
                assertEquals(Double.parseDouble(hqq[5]), value(t, "WikiText2|HQQ|" + cfg + "|", "perplexity"), 0, model + " " + cfg);
                assertEquals(Double.parseDouble(hqq[6]), value(t, "C4|HQQ|" + cfg + "|", "perplexity"), 0, model + " " + cfg);
            }
            for (String budget : List.of("3_13", "3_25", "3_51", "4_13", "4_25", "4_51")) {
                String[] mxq = in.get(model + "|mxq|" + budget + "|mxq1");
                assertEquals(Double.parseDouble(mxq[5]), value(t, "WikiText2|MXQ|" + budget + "|", "perplexity"), 0);
                assertEquals(Double.parseDouble(mxq[6]), value(t, "C4|MXQ|" + budget + "|", "perplexity"), 0);
            }
        }
        // the spec's example rows (Llama-2-7B): HQQ b4g64 5.3087 / 7.1184, MXQ 4.25 5.3115 / 7.1268, FP16 5.1847
        Table t = PplMemChart.build("Llama-2-7b-hf", results, PplMemChart.Options.paper("Llama-2-7b-hf")).data();
        assertEquals(5.3087, value(t, "WikiText2|HQQ|b4g64|", "perplexity"), 0);
        assertEquals(7.1268, value(t, "C4|MXQ|4_25|", "perplexity"), 0);
        assertEquals(100 * (5.3087 / 5.1847 - 1), value(t, "WikiText2|HQQ|b4g64|", "degradation_pct"), 1e-9);
        assertEquals(100 * (16 - 4.25) / 16, value(t, "C4|MXQ|4_25|", "memory_reduction_pct"), 1e-12);
    }

    @Test
    void memoryBarsTakeMxqAtTheHqqBudget() throws Exception {
        Map<String, String[]> in = combinedLines(DATA.resolve("combined.csv"));
        Table t = MethodBarsChart.build(MethodBarsChart.MEMORY, ResultRow.read(DATA.resolve("combined.csv")),
                Labels.PAPER_MODELS, "mxq2").data();
        int checked = 0;
        for (int r = 0; r < t.rowCount(); r++) {
            String model = t.stringColumn("model").get(r);
            String cfg = t.stringColumn("config").get(r);
            String method = t.stringColumn("method").get(r);
            String key = switch (method) {
                case "MXQ" -> model + "|mxq|" + (cfg.equals("b4g32") ? "4_51" : cfg.equals("b4g64") ? "4_25" : "4_13") + "|mxq2";
                case "FP16" -> model + "|fp16|base|";
                default -> model + "|" + method.toLowerCase() + "|" + cfg + "|";
            };
            assertEquals(Double.parseDouble(in.get(key)[7]), t.doubleColumn("load_mem_allot_gib").get(r), 0, key);
            checked++;
        }
        assertTrue(checked >= 3 * 3 * 4, "bars: " + checked);
    }

    @Test
    void allocationBarsCarryTheInputConfigsAndFnorms() throws Exception {
        Map<String, String> cfg = new HashMap<>();
        for (String line : Files.readAllLines(DATA.resolve("allot/mxq/mxq1/quant-cfg-allot-mxq1.csv"))) {
            String[] f = line.split(",");
            if (f[0].equals("Meta-Llama-3-8B") && f[5].equals("4.51")) {
                cfg.put(f[2] + "|" + f[1], "b" + f[6] + "g" + f[7]);
            }
        }
        Map<String, Double> fnorm = new HashMap<>();
        for (String line : Files.readAllLines(ROOT.resolve("src/data/fnorm-Meta-Llama-3-8B.csv")).subList(1, 2689)) {
            String[] f = line.split(",");
            fnorm.put(f[0] + "|" + f[1] + "|b" + f[2] + "g" + f[3], Double.parseDouble(f[6]));
        }
        List<Chart> charts = AllocationChart.build("Meta-Llama-3-8B", 4.51, List.of("mxq1"),
                AllotRow.read(DATA.resolve("quant-cfg-allocation.csv")), FnormRow.read(ROOT.resolve("src/data/fnorm-Meta-Llama-3-8B.csv")));
        int rows = 0;
        for (Chart c : charts) {
            Table t = c.data();
            for (int r = 0; r < t.rowCount(); r++) {
                String key = t.doubleColumn("layer").get(r).intValue() + "|" + t.stringColumn("module").get(r);
                String config = t.stringColumn("config").get(r);
                assertEquals(cfg.get(key), config, key);
                assertEquals(fnorm.get(key + "|" + config), t.doubleColumn("fnorm").get(r), 0, key);
                rows++;
            }
        }
        assertEquals(cfg.size(), rows); // every matrix of the 7 modules x 32 layers, once
    }

    @Test
    void weightColumnsStackUpToTheLargestWeight() throws Exception {
        Table t = WdistChart.build("Llama-2-7b-hf", WdistRow.read(DATA.resolve("wdist/wdist-Llama-2-7b-hf.csv"))).data();
        Map<String, Double> top = new HashMap<>();
        for (String line : Files.readAllLines(DATA.resolve("wdist/wdist-Llama-2-7b-hf.csv")).subList(1, 289)) {
            String[] f = line.split(",");
            top.put(f[0] + "|" + f[2], Double.parseDouble(f[7]));
        }
        Map<String, Double> sums = new HashMap<>();
        for (int r = 0; r < t.rowCount(); r++) {
            sums.merge(t.stringColumn("module").get(r) + "|" + t.doubleColumn("layer").get(r).intValue(),
                    t.doubleColumn("increment").get(r), Double::sum);
        }
        assertEquals(top.keySet(), sums.keySet());
        top.forEach((k, v) -> assertEquals(v, sums.get(k), 1e-12, k));
    }

    @Test
    void winTieLossSharesAddUpAndCountEveryHqqPair() throws Exception {
        Path boost = ROOT.resolve("data-vis/endeavors/boost/data/combined.csv");
        Table t = WinTieLossChart.build(ResultRow.read(boost), Labels.PAPER_MODELS).data();
        Map<String, Double> pct = new HashMap<>();
        Map<String, Double> count = new HashMap<>();
        for (int r = 0; r < t.rowCount(); r++) {
            String k = t.stringColumn("model").get(r) + "|" + t.stringColumn("comparison").get(r);
            pct.merge(k, t.doubleColumn("percent").get(r), Double::sum);
            count.merge(k, t.doubleColumn("count").get(r), Double::sum);
        }
        pct.forEach((k, v) -> assertEquals(100, v, 1e-9, k));
        // SB vs HQQ on Llama-2-7B: every sensi-boost row with an HQQ row at its bpp, both datasets
        List<String> lines = Files.readAllLines(boost);
        long pairs = 0;
        for (String a : lines) {
            String[] fa = a.split(",", -1);
            if (fa[0].equals("Llama-2-7b-hf") && fa[4].startsWith("sensi-boost-")) {
                pairs += lines.stream().map(b -> b.split(",", -1))
                        .filter(fb -> fb[0].equals("Llama-2-7b-hf") && fb[1].equals("hqq") && fb[3].equals(fa[3])).count();
            }
        }
        assertFalse(pairs == 0);
        assertEquals(2.0 * pairs, count.get("Llama-2-7b-hf|SB vs HQQ"), 0);
    }
}
