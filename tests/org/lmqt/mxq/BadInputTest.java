package org.lmqt.mxq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.io.PandasCsv;
import tech.tablesaw.api.Table;

/** One-line errors for malformed tables and impossible budgets; the JShell entry point and the CSV writer. */
class BadInputTest {

    @TempDir
    Path dir;

    private List<String> lines() throws IOException {
        return Files.readAllLines(TestData.shared("paper-data/src/data/fnorm-Llama-2-7b-hf.csv")).subList(0, 12 * 14 + 1);
    }

    private String error(List<String> csv) throws IOException {
        Path p = dir.resolve("fnorm-bad.csv");
        Files.write(p, csv);
        UserException e = assertThrows(UserException.class, () -> Mxq.solve(FnormTable.read(p), 4.25,
                MxqOptions.DEFAULTS));
        assertFalse(e.getMessage().contains("\n"));
        return e.getMessage();
    }

    @Test
    void missingColumn() throws IOException {
        List<String> csv = lines().stream().map(l -> l.substring(0, l.lastIndexOf(',', l.lastIndexOf(',',
                l.lastIndexOf(',', l.lastIndexOf(',') - 1) - 1) - 1))).toList(); // drops params and the metrics
        assertTrue(error(csv).contains("lacks column(s) params"), error(csv));
    }

    @Test
    void missingConfig() throws IOException {
        List<String> csv = new java.util.ArrayList<>(lines());
        csv.remove(5);
        assertTrue(error(csv).contains("matrix 0.self_attn.q_proj lacks config b3g64"), error(csv));
    }

    @Test
    void nanFnorm() throws IOException {
        List<String> csv = new java.util.ArrayList<>(lines());
        String[] cells = csv.get(3).split(",");
        cells[6] = "NaN";
        csv.set(3, String.join(",", cells));
        assertTrue(error(csv).contains("fnorm of 0.self_attn.q_proj b2g128 is empty or NaN"), error(csv));
    }

    @Test
    void duplicateRow() throws IOException {
        List<String> csv = new java.util.ArrayList<>(lines());
        csv.add(csv.get(7));
        assertTrue(error(csv).contains("duplicate row for matrix 0.self_attn.q_proj config b4g32"), error(csv));
    }

    @Test
    void budgetOutsideTheFeasibleRange() throws IOException {
        String msg = assertThrows(UserException.class, () -> Mxq.solve(MxqData.src("Llama-2-7b-hf"), 2.1,
                MxqOptions.DEFAULTS)).getMessage();
        assertTrue(msg.contains("outside the feasible range") && msg.contains("2.126953125")
                && msg.contains("8.5078125"), msg);
    }

    @Test
    void ruleBasedBudgetOffTheLadderAndMissingMetrics() {
        MxqOptions boost = MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.SENSI_BOOST);
        String msg = assertThrows(UserException.class, () -> Mxq.solve(MxqData.src("Llama-2-7b-hf"), 4.3, boost))
                .getMessage();
        assertTrue(msg.contains("4.25") && msg.contains("got 4.3"), msg);
        msg = assertThrows(UserException.class, () -> Mxq.solve(MxqData.src("Llama-2-70b-hf"), 4.25, boost))
                .getMessage();
        assertTrue(msg.contains("lacks column sensitivity"), msg);
        msg = assertThrows(UserException.class, () -> Mxq.solve(MxqData.src("Llama-2-7b-hf"), 4.25,
                MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.KURT_SCALED))).getMessage();
        assertTrue(msg.contains("lacks column kurtosis_scaled"), msg);
        assertThrows(UserException.class, () -> WeightAlgo.parse("kurt-magic"));
        assertThrows(UserException.class, () -> Budgets.parse(List.of("4.25:3")));
    }

    @Test
    void budgetRangesAreExactDecimals() {
        List<Double> b = Budgets.parse(List.of("3.00:3.10:0.02", "4.25,6.89"));
        assertEquals(List.of(3.0, 3.02, 3.04, 3.06, 3.08, 3.1, 4.25, 6.89), b);
    }

    @Test
    void jshellCallAndCsvWriter() throws IOException {
        Table fnorm = Table.read().csv(TestData.shared("paper-data/src/data/fnorm-Meta-Llama-3-8B.csv").toFile());
        Table allot = Mxq.allocate(fnorm, 4.25);
        assertEquals(224, allot.rowCount());
        assertEquals("Meta-Llama-3-8B", allot.stringColumn("model").get(0));
        double mem = allot.doubleColumn("memmb").sum();
        assertTrue(mem <= 3536.0 && mem > 3535.9, "memory " + mem);
        Path out = dir.resolve("quant-cfg-allot-x.csv");
        PandasCsv.write(allot, out);
        List<String> written = Files.readAllLines(out);
        assertEquals("model,module,layer,memmb,param_cnt,bit_budget,b1,g1,b2,g2,params_quant_tot,params_all_tot",
                written.get(0));
        assertTrue(written.get(1).matches("Meta-Llama-3-8B,self_attn\\.q_proj,0,[0-9.]+,16777216,4\\.25,[2348],"
                + "(32|64|128),8,128,6979321856,"), written.get(1));
    }
}
