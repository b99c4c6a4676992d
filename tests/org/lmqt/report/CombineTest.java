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
