package org.lmqt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import tech.tablesaw.api.Table;

class CombineTest {
    private static final Path DATA = TestData.shared("paper-data/data-vis/data");

    @Test
    void rebuildsTheArchivedCombinedCsv() throws Exception {
        Combine.Result r = Combine.combine(DATA);
        Path mine = Files.createTempFile("combined", ".csv");
        TidyCsv.write(r.combined(), mine);
        Map<String, List<String>> expected = rowsByKey(Files.readAllLines(DATA.resolve("combined.csv")));
        Map<String, List<String>> actual = rowsByKey(Files.readAllLines(mine));
        assertEquals(expected.keySet(), actual.keySet());
        for (var e : expected.entrySet()) {
            List<String> a = actual.get(e.getKey());
            for (int i = 0; i < e.getValue().size(); i++) {
                assertEquals(num(e.getValue().get(i)), num(a.get(i)), 1e-9, e.getKey() + " column " + i);
            }
        }
        Files.delete(mine);
    }

    @Test
    void stacksEveryAllocationFileWithItsAttempt() throws Exception {
        Table a = Combine.combine(DATA).allocation();
        assertEquals("attempt", a.columnNames().get(0));
        Map<String, Integer> perAttempt = new HashMap<>();
        for (String v : a.stringColumn("attempt")) {
            perAttempt.merge(v, 1, Integer::sum);
        }
        // 3 MXQ folders (mxq2 holds a file named quant-cfg-allot-mxq1.csv: the folder names the attempt) + HQQ
        assertEquals(Map.of("kurt-scaled", 6552, "mxq1", 6552, "mxq2", 6552, "", 5824), perAttempt);
        // the archived stacked file (which predates mxq2) is the same rows without mxq2
        Path stored = Files.createTempFile("alloc", ".csv");
        TidyCsv.write(a.where(a.stringColumn("attempt").isNotEqualTo("mxq2")), stored);
        assertEquals(new java.util.HashSet<>(Files.readAllLines(DATA.resolve("quant-cfg-allocation.csv"))),
                new java.util.HashSet<>(Files.readAllLines(stored)));
        Files.delete(stored);
    }

    @Test
    void attemptIsTheFolderBelowMxqOnlyInsideTheResultFolder(@TempDir Path tmp) {
        Path type = tmp.resolve("mxq/runs/ppl");
        assertEquals("kurt-scaled", Combine.attempt(type, type.resolve("mxq/kurt-scaled/r.csv")));
        assertEquals("", Combine.attempt(type, type.resolve("r.csv"))); // the ancestor "mxq/" does not count
        assertEquals(4.25, Combine.bpp("4_25"));
        assertEquals(4.25, Combine.bpp("b4g64"));
        assertEquals(3.02, Combine.bpp("b2g16"));
        assertEquals(16, Combine.bpp("base"));
        assertEquals(7e10, Combine.nominalParams("Llama-2-70b-hf"));
    }

    @Test
    void carriesTheKlColumnsWhereTheyWereMeasured(@TempDir Path tmp) throws Exception {
        Path ppl = Files.createDirectories(tmp.resolve("ppl"));
        Files.writeString(ppl.resolve("result-tiny.csv"), String.join("\n",
                "model,algo,config,config_detail,quant_duration,ppl_wikitext,ppl_c4,kld_wikitext,kld_c4,"
                        + "top1_agree_wikitext,top1_agree_c4",
                "tiny,fp16,base,{},0,535.1,0,0,0,0,0",
                "tiny,hqq,b4g64,{},1.5,549.1,0,0.0123,0,0.75,0", ""));
        Table c = Combine.combine(tmp).combined();
        assertEquals(List.of("kld_wikitext", "kld_c4", "top1_agree_wikitext", "top1_agree_c4"),
                c.columnNames().subList(11, 15));
        Path out = tmp.resolve("combined.csv");
        TidyCsv.write(c, out);
        List<String> lines = Files.readAllLines(out);
        // fp16 (not measured: 0 and 0) and C4 (not evaluated) are empty; hqq's WikiText KL and agreement are kept
        assertTrue(lines.get(1).startsWith("tiny,fp16,base,") && lines.get(1).endsWith(",,,,"), lines.get(1));
        assertTrue(lines.get(2).startsWith("tiny,hqq,b4g64,") && lines.get(2).endsWith(",0.0123,,0.75,"),
                lines.get(2));
    }

    private static double num(String s) {
        double d = TidyCsv.parse(s);
        return Double.isNaN(d) ? -1 : d;
    }

    private static Map<String, List<String>> rowsByKey(List<String> lines) {
        Map<String, List<String>> m = new HashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            String key = f[0] + "|" + f[1] + "|" + f[2] + "|" + f[4];
            m.put(key, List.of(f[3], f[5], f[6], f[7], f[8], f[9], f[10]));
        }
        return m;
    }
}
