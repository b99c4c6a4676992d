package org.lmqt.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.harness.ResultColumns;

/** The archived ViT results and quant-vit's result files feed the accuracy-vs-bit-budget figure. */
class VitReportTest {
    private static final Path COMBINED = TestData.shared("paper-data/data-vis/data/vit/combined.csv");

    @Test
    void archivedCombinedTableReadsAndItsBitBudgetsFollowFromTheConfigs() {
        List<VitRow> rows = VitRow.readCombined(COMBINED);
        assertEquals(75, rows.size());
        for (VitRow r : rows) {
            assertEquals(VitRow.bpp(r.algo(), r.config()), r.bpp(), 1e-9, r.toString());
        }
        Chart c = VitAccuracyChart.build("CLIP-ViT-H-14-laion2B-s32B-b79K", rows);
        // MXQ and HQQ, top-1 and top-5, both tasks, plus the FP16 lines
        long mxqPoints = c.data().stringColumn("method").countOccurrences("MXQ");
        assertTrue(mxqPoints > 20, "MXQ points " + mxqPoints);
        assertTrue(c.data().stringColumn("method").contains("FP16"));
    }

    @Test
    void resultFilesOfBothTasksMergeIntoOneRowPerConfig(@TempDir Path tmp) throws Exception {
        String header = ResultColumns.VIT.header();
        Path zs = tmp.resolve("result-zs.csv");
        Path lp = tmp.resolve("result-lp.csv");
        Files.writeString(zs, header + "\nm,hqq,b2g16,{},0,0,0,1048576,2097152,0,0,0.5,0.75,0.5,10.0,0,0,0,0\n");
        Files.writeString(lp, header + "\nm,hqq,b2g16,{},0,0,0,0,0,3145728,3145728,0,0,0,0,0.625,0.875,0.62,20.0\n");
        List<VitRow> rows = VitRow.fromResults(List.of(zs, lp));
        assertEquals(1, rows.size());
        VitRow r = rows.get(0);
        assertEquals(3.02, r.bpp(), 1e-12);
        assertEquals(1.0, r.value("zeroshot_mem_allot"), 1e-12);
        assertEquals(3.0, r.value("linear_probe_mem_allot"), 1e-12);
        assertEquals(0.5, r.value("acc1_zeroshot_cls"), 1e-12);
        assertEquals(0.625, r.value("acc1_linear_probe"), 1e-12);
        String csv = VitRow.toCsv(rows);
        assertEquals(String.join(",", VitRow.COLUMNS), csv.lines().findFirst().orElseThrow());
        Path again = tmp.resolve("combined.csv");
        Files.writeString(again, csv);
        assertEquals(0.875, VitRow.readCombined(again).get(0).value("acc5_linear_probe"), 1e-12);
    }
}
