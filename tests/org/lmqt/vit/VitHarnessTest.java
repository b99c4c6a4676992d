package org.lmqt.vit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.harness.Algo;
import org.lmqt.harness.Harness;
import org.lmqt.harness.ModelRef;
import org.lmqt.harness.Plan;
import org.lmqt.harness.ResultColumns;
import org.lmqt.harness.ResultFiles;
import org.lmqt.harness.Task;
import org.lmqt.mxq.MxqOptions;

/** quant-vit's grid on the tiny CLIP: fp16, hqq and mxq through the linear probe and zero-shot, resumable. */
class VitHarnessTest {
    @TempDir
    Path tmp;

    private VitRunner runner(Path data) {
        return new VitRunner(new VitRunner.Settings(data, tmp.resolve("fnorm"), MxqOptions.DEFAULTS,
                ComputeDevice.CPU, 2, 32, new LinearProbe(0.1, 20, 16, 0.0, 0)));
    }

    @Test
    void linearProbeGridWritesViTResultsAndResumes() throws Exception {
        Path data = tmp.resolve("shapes");
        SyntheticShapes.write(data, 16, 8, 32, 3);
        ModelRef model = ModelRef.parse(TestData.shared("fixtures/clip/tiny-clip-gelu").toString());
        Plan plan = VitPlan.of(List.of(model), List.of(Algo.FP16, Algo.HQQ, Algo.MXQ), List.of("b2g32", "3.00"),
                Task.EVAL_LINEAR_PROBE);
        assertEquals(3, plan.subtasks().size());
        Harness.Settings hs = new Harness.Settings(tmp.resolve("results"), "lp", false, false);
        Harness.Outcome out = new Harness(hs, runner(data), new PrintStream(new ByteArrayOutputStream())).run(plan);
        assertEquals(0, out.exitCode(), out.failures().toString());
        Path result = out.result().orElseThrow();
        List<String> lines = Files.readAllLines(result);
        assertEquals(ResultColumns.VIT.header(), lines.get(0));
        List<List<String>> rows = ResultFiles.readRows(result);
        assertEquals(3, rows.size());
        int acc1 = ResultColumns.VIT.all().indexOf("acc1_linear_probe");
        int quant = ResultColumns.VIT.all().indexOf("quant_duration");
        for (List<String> r : rows) {
            double a = Double.parseDouble(r.get(acc1));
            assertTrue(a > 0.5, r.get(1) + " " + r.get(2) + " acc1 " + a);   // chance is 1/6
            assertEquals(r.get(1).equals("fp16"), Double.parseDouble(r.get(quant)) == 0.0, r.toString());
            assertEquals("0", r.get(ResultColumns.VIT.all().indexOf("acc1_zeroshot_cls")));
        }
        List<String> mxqRow = rows.stream().filter(r -> r.get(1).equals("mxq")).findFirst().orElseThrow();
        assertEquals("3_00", mxqRow.get(2));
        assertEquals("{'offload_meta': False, 'mixed': True, 'budget': 3.0}", mxqRow.get(3));
        // the FNorm table MXQ computed, with the kurtosis joined as the original's ViT tables have it
        List<String> fnorm = Files.readAllLines(tmp.resolve("fnorm/fnorm-tiny-clip-gelu.csv"));
        assertEquals("layer,module,nbit1,gsize1,nbit2,gsize2,fnorm,memmb,params,kurtosis,kurtosis_scaled",
                fnorm.get(0));
        assertEquals(1 + 8 * 12, fnorm.size());
        // a second run finds everything done
        Harness.Outcome again = new Harness(hs, runner(data), new PrintStream(new ByteArrayOutputStream())).run(plan);
        assertEquals(3, again.skipped());
        assertEquals(0, again.ran());
    }

    @Test
    void zeroShotFillsItsColumnsAndQuantizationChangesTheFeatures() throws Exception {
        Path data = tmp.resolve("shapes");
        SyntheticShapes.write(data, 1, 4, 32, 5);
        // the data set's own templates replace the 80 ImageNet ones
        Files.writeString(data.resolve("templates.txt"), "a photo of a {c}.\na drawing of a {c}.\n");
        assertEquals(List.of("a photo of a {c}.", "a drawing of a {c}."), ImageData.templates(data).orElseThrow());
        ModelRef model = ModelRef.parse(TestData.shared("fixtures/clip/tiny-clip-quickgelu").toString());
        Plan plan = VitPlan.of(List.of(model), List.of(Algo.FP16, Algo.HQQ), List.of("b2g16"),
                Task.EVAL_ZEROSHOT_CLS);
        Harness.Outcome out = new Harness(new Harness.Settings(tmp.resolve("results"), "zs", false, false),
                runner(data), new PrintStream(new ByteArrayOutputStream())).run(plan);
        assertEquals(0, out.exitCode(), out.failures().toString());
        List<List<String>> rows = ResultFiles.readRows(out.result().orElseThrow());
        int acc1 = ResultColumns.VIT.all().indexOf("acc1_zeroshot_cls");
        int acc5 = ResultColumns.VIT.all().indexOf("acc5_zeroshot_cls");
        for (List<String> r : rows) {
            double a1 = Double.parseDouble(r.get(acc1));
            assertTrue(a1 >= 0 && a1 <= Double.parseDouble(r.get(acc5)) && Double.parseDouble(r.get(acc5)) <= 1);
            assertNotEquals("0", r.get(ResultColumns.VIT.all().indexOf("duration_zeroshot_cls")));
        }
    }

    @Test
    void kurtBoostRunsOnTheJoinedClipTable() throws Exception {
        Path data = tmp.resolve("shapes");
        SyntheticShapes.write(data, 1, 2, 32, 9);
        Files.writeString(data.resolve("templates.txt"), "a photo of a {c}.\n");
        ModelRef model = ModelRef.parse(TestData.shared("fixtures/clip/tiny-clip-gelu").toString());
        VitRunner kurtBoost = new VitRunner(new VitRunner.Settings(data, tmp.resolve("fnorm"),
                MxqOptions.DEFAULTS.withWeightAlgo(org.lmqt.mxq.WeightAlgo.KURT_BOOST).withBoostStop(2),
                ComputeDevice.CPU, 2, 32, LinearProbe.ORIGINAL));
        var row = kurtBoost.run(new org.lmqt.harness.Subtask(model, "4_25", Task.EVAL_ZEROSHOT_CLS, Algo.MXQ));
        assertTrue(row.metrics().get("duration_zeroshot_cls").doubleValue() > 0);
    }

    @Test
    void anImageThatDoesNotDecodeFailsTheSubtaskWithOneLine() throws Exception {
        Path data = tmp.resolve("broken");
        SyntheticShapes.write(data, 1, 2, 32, 9);
        Files.writeString(data.resolve("templates.txt"), "a photo of a {c}.\n");
        Files.writeString(data.resolve("test/green_circle/0001.png"), "truncated");
        ModelRef model = ModelRef.parse(TestData.shared("fixtures/clip/tiny-clip-gelu").toString());
        UserException e = assertThrows(UserException.class, () -> runner(data).run(
                new org.lmqt.harness.Subtask(model, "base", Task.EVAL_ZEROSHOT_CLS, Algo.FP16)));
        assertTrue(e.getMessage().endsWith("green_circle/0001.png: not a decodable image (javax.imageio reads JPEG, "
                + "PNG, BMP, GIF)"), e.getMessage());
    }

    @Test
    void configDetailsAreTheArchivedOnes() throws Exception {
        List<List<String>> archived = ResultFiles.readRows(TestData.shared(
                "paper-data/data-vis/data/vit/result-eval_zs_B_hqq-20240924115024.csv"));
        ModelRef model = ModelRef.parse(TestData.shared("fixtures/clip/tiny-clip-gelu").toString());
        int checked = 0;
        for (List<String> row : archived) {
            org.lmqt.harness.Subtask s = new org.lmqt.harness.Subtask(model, row.get(2), Task.EVAL_ZEROSHOT_CLS,
                    Algo.HQQ);
            assertEquals(row.get(3), VitRunner.configDetail(s), row.get(2));
            checked++;
        }
        assertTrue(checked >= 3);
        List<List<String>> mxq = ResultFiles.readRows(TestData.shared(
                "paper-data/data-vis/data/vit/result-eval_zs_BH_20_mxq-20240930160208.csv"));
        org.lmqt.harness.Subtask m = new org.lmqt.harness.Subtask(model, mxq.get(0).get(2), Task.EVAL_ZEROSHOT_CLS,
                Algo.MXQ);
        assertEquals(mxq.get(0).get(3), VitRunner.configDetail(m));
    }

    @Test
    void planRejectsWhatTheViTHarnessLacks() {
        ModelRef model = ModelRef.parse(TestData.shared("fixtures/clip/tiny-clip-gelu").toString());
        assertThrows(UserException.class, () -> VitPlan.of(List.of(model), List.of(Algo.GPTQ), List.of(),
                Task.EVAL_ZEROSHOT_CLS));
        assertThrows(UserException.class, () -> VitPlan.of(List.of(model), List.of(Algo.HQQ), List.of(),
                Task.EVAL_PPL));
        // and the LLM grid rejects the ViT tasks
        assertThrows(IllegalArgumentException.class, () -> Plan.of(List.of(model), List.of(Algo.HQQ), List.of(),
                Task.EVAL_LINEAR_PROBE));
        Plan defaults = VitPlan.of(List.of(model), List.of(Algo.MXQ), List.of(), Task.EVAL_ZEROSHOT_CLS);
        assertEquals(18, defaults.subtasks().size());
        assertEquals("7_80", defaults.subtasks().get(0).cfg());
    }
}
