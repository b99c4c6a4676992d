package org.lmqt.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.commons.math3.distribution.TDistribution;
import org.apache.commons.math3.stat.correlation.PearsonsCorrelation;
import org.apache.commons.math3.stat.correlation.SpearmansCorrelation;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.cli.Cli;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.eval.KlDivergence;
import org.lmqt.eval.MemoryProbe;
import org.lmqt.eval.Perplexity;
import org.lmqt.metadata.Fnorm;
import org.lmqt.metadata.Moments;
import org.lmqt.model.ByteLevelTokenizerJson;
import org.lmqt.model.DecoderBlock;
import org.lmqt.model.LoadedModel;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;
import picocli.CommandLine;

/** {@code correlate} on a tiny seeded Llama: per-unit damage, proxies, correlations, resumption, errors. */
class CorrelateTest {
    @TempDir
    static Path tmp;
    static Path model;
    static Path text;
    static final Perplexity PROTOCOL = new Perplexity(128, 64);
    static final int MAX_TOKENS = 192;

    @BeforeAll
    static void tinyModelAndText() throws Exception {
        model = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(model);
        ByteLevelTokenizerJson.write(model, 512);
        text = tmp.resolve("text.txt");
        Files.writeString(text, "Call me Ishmael. Some years ago, never mind how long precisely, having little or "
                + "no money in my purse, and nothing particular to interest me on shore. ".repeat(6));
    }

    private static List<String> args(Path out, String... more) {
        List<String> a = new ArrayList<>(List.of("--model", model.toString(), "--text", text.toString(),
                "--max-length", "128", "--stride", "64", "--max-tokens", Integer.toString(MAX_TOKENS),
                "--device", "cpu", "--bootstrap", "200", "--seed", "7", "--output-dir", out.toString()));
        a.addAll(List.of(more));
        return a;
    }

    private static void run(List<String> args) {
        assertEquals(0, Cli.run(new CorrelateCommand(), args.toArray(String[]::new)), "correlate " + args);
    }

    /** The rows of a CSV by its first column, each a column -> cell map. */
    private static Map<String, Map<String, String>> rows(Path csv) throws Exception {
        List<String> lines = Files.readAllLines(csv);
        String[] header = lines.get(0).split(",", -1);
        Map<String, Map<String, String>> out = new java.util.LinkedHashMap<>();
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",", -1);
            Map<String, String> row = new HashMap<>();
            for (int i = 0; i < header.length; i++) {
                row.put(header[i], f[i]);
            }
            out.put(f[0] + (header[1].equals("proxy") ? "," + f[1] : ""), row);
        }
        return out;
    }

    private static double[] column(Map<String, Map<String, String>> rows, String column) {
        return rows.values().stream().mapToDouble(r -> Double.parseDouble(r.get(column))).toArray();
    }

    @Test
    void perUnitDamageEqualsADirectRunAndTheCorrelationsEqualCommonsMath() throws Exception {
        Path out = tmp.resolve("matrix");
        run(args(out, "--config", "b3g64", "--only", "q_proj,down_proj"));
        Path unitCsv = out.resolve("correlate-tiny-hqq-b3g64-matrix.csv");
        Map<String, Map<String, String>> units = rows(unitCsv);
        assertEquals(List.of("0.self_attn.q_proj", "0.mlp.down_proj", "1.self_attn.q_proj", "1.mlp.down_proj"),
                List.copyOf(units.keySet()));

        // the direct computation for one unit: a model loaded with only that matrix quantized, perplexity and KL
        MatrixKey key = new MatrixKey(1, "mlp.down_proj");
        Set<MatrixKey> others = new HashSet<>();
        for (int l = 0; l < 2; l++) {
            for (String m : DecoderBlock.MODULES) {
                others.add(new MatrixKey(l, m));
            }
        }
        others.remove(key);
        QuantPlan one = QuantPlan.uniform(QuantMethod.HQQ, QuantConfig.parse("b3g64")).leaving(others);
        try (LoadedModel base = LoadedModel.open(model.toString(), ComputeDevice.CPU);
             LoadedModel quantized = LoadedModel.open(model.toString(), ComputeDevice.CPU, Optional.of(one))) {
            long[] ids = base.requireTokenizer().encodePrefix(Files.readString(text), MAX_TOKENS);
            double basePpl = PROTOCOL.evaluate(base.model(), ids, new MemoryProbe(ComputeDevice.CPU), k -> { })
                    .perplexity();
            double ppl = PROTOCOL.evaluate(quantized.model(), ids, new MemoryProbe(ComputeDevice.CPU), k -> { })
                    .perplexity();
            KlDivergence.Result kl = new KlDivergence(PROTOCOL).evaluate(quantized.model(), base.model(), ids, k -> { });
            Map<String, String> row = units.get(key.id());
            assertEquals(ids.length, Integer.parseInt(row.get("tokens")));
            assertEquals(basePpl, Double.parseDouble(row.get("base_ppl")), 1e-12 * basePpl);
            assertEquals(ppl, Double.parseDouble(row.get("ppl")), 1e-12 * ppl);
            assertEquals(ppl - basePpl, Double.parseDouble(row.get("delta_ppl")), 1e-12 * ppl);
            assertTrue(ppl != basePpl, "3-bit quantization of down_proj changes the perplexity");
            assertTrue(kl.mean() > 0);
            assertEquals(kl.mean(), Double.parseDouble(row.get("kld_mean")), 1e-12 * kl.mean());
            assertEquals(kl.max(), Double.parseDouble(row.get("kld_max")), 1e-12 * kl.max());
            assertEquals(kl.top1Agree(), Double.parseDouble(row.get("top1_agree")), 1e-15);
            assertEquals(kl.positions(), Integer.parseInt(row.get("positions")));
        }
        // the proxies: the FNorm table's definition and the kurtosis table's
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            var w = ckpt.tensor(key.weightName(ckpt.family()));
            assertEquals(Fnorm.of(new Hqq(null), w, QuantConfig.parse("b3g64")),
                    Double.parseDouble(units.get(key.id()).get("fnorm")), 0);
            assertEquals(Moments.pearsonKurtosis(w.data()), Double.parseDouble(units.get(key.id()).get("kurtosis")),
                    0);
        }
        assertEquals("", units.get(key.id()).get("sensitivity"), "no sensitivity table given");

        // the correlations: Commons Math on the CSV's columns, t-test p-values from the t distribution
        Map<String, Map<String, String>> summary = rows(out.resolve("correlate-tiny-hqq-b3g64-matrix-summary.csv"));
        assertEquals(Set.of("delta_ppl,fnorm", "delta_ppl,kurtosis", "kld_mean,fnorm", "kld_mean,kurtosis"),
                summary.keySet());
        for (String damage : List.of("delta_ppl", "kld_mean")) {
            for (String proxy : List.of("fnorm", "kurtosis")) {
                double[] x = column(units, proxy);
                double[] y = column(units, damage);
                Map<String, String> s = summary.get(damage + "," + proxy);
                assertEquals(4, Integer.parseInt(s.get("n")));
                double r = new PearsonsCorrelation().correlation(x, y);
                double rho = new SpearmansCorrelation().correlation(x, y);
                assertEquals(r, Double.parseDouble(s.get("pearson")), 1e-12);
                assertEquals(rho, Double.parseDouble(s.get("spearman")), 1e-12);
                assertEquals(twoSidedP(r, 4), Double.parseDouble(s.get("pearson_p")), 1e-9);
                assertEquals(twoSidedP(rho, 4), Double.parseDouble(s.get("spearman_p")), 1e-9);
                for (String c : List.of("pearson", "spearman")) {
                    double low = Double.parseDouble(s.get(c + "_ci_low"));
                    double high = Double.parseDouble(s.get(c + "_ci_high"));
                    assertTrue(-1 <= low && low <= high && high <= 1, c + " interval " + low + ", " + high);
                }
            }
        }

        // the figure: offline HTML with one panel per proxy and damage
        String html = Files.readString(out.resolve("correlate-tiny-hqq-b3g64-matrix.html"));
        assertTrue(html.contains("1.mlp.down_proj") && html.contains("FNorm") && html.contains("Kurtosis"));
        assertTrue(html.contains("\"xaxis4\""), "2 x 2 panels");
        assertTrue(html.contains(org.lmqt.plot.PlotlyJs.source()), "plotly.js inlined");
        assertFalse(html.replace(org.lmqt.plot.PlotlyJs.source(), "").contains("src="), "no external scripts");
    }

    /** Two-sided p-value of a correlation of {@code n} pairs under Student's t with n - 2 degrees of freedom. */
    private static double twoSidedP(double r, int n) {
        double t = Math.abs(r) * Math.sqrt((n - 2) / (1 - r * r));
        return 2 * (1 - new TDistribution(n - 2).cumulativeProbability(t));
    }

    @Test
    void aRerunMeasuresOnlyTheMissingUnitsAndRefusesAnotherRunsFile() throws Exception {
        Path out = tmp.resolve("resume");
        List<String> args = args(out, "--config", "b2g64", "--method", "rtn", "--only", "o_proj");
        run(args);
        Path csv = out.resolve("correlate-tiny-rtn-b2g64-matrix.csv");
        List<String> complete = Files.readAllLines(csv);
        assertEquals(3, complete.size(), "header and 2 units");
        Path summary = out.resolve("correlate-tiny-rtn-b2g64-matrix-summary.csv");
        String firstSummary = Files.readString(summary);

        // as a killed run leaves it: the second unit missing; the first one's ppl marked so a remeasure shows
        String[] first = complete.get(1).split(",", -1);
        int ppl = List.of(UnitCsv.HEADER.split(",")).indexOf("ppl");
        first[ppl] = "12345.5";
        Files.write(csv, List.of(complete.get(0), String.join(",", first)));
        run(args);
        List<String> resumed = Files.readAllLines(csv);
        assertEquals(String.join(",", first), resumed.get(1), "the measured unit is kept, not measured again");
        assertEquals(complete.get(2), resumed.get(2), "the missing unit is measured as before");

        // --force measures everything again: the same file as the first run, and the same seeded summary
        run(new ArrayList<>(args) {{ add("--force"); }});
        assertEquals(complete, Files.readAllLines(csv));
        assertEquals(firstSummary, Files.readString(summary));

        // a file of another run (another base perplexity) is refused in one line
        String[] other = complete.get(1).split(",", -1);
        other[List.of(UnitCsv.HEADER.split(",")).indexOf("base_ppl")] = "1.5";
        Files.write(csv, List.of(complete.get(0), String.join(",", other)));
        UserException e = assertThrows(UserException.class, () -> call(args));
        assertTrue(e.getMessage().contains("made by another run"), e.getMessage());
    }

    /**
     * GPTQ: the unit's matrix calibrated on its inputs in the unquantized model (captured here independently, as
     * block-part inputs), quantized with AutoGPTQ's defaults, loaded into a model: the same perplexity and KL.
     */
    @Test
    void gptqUnitsEqualAModelWithThatMatrixCalibratedAndQuantized() throws Exception {
        Path docs = tmp.resolve("calib.txt");
        Files.writeString(docs, "It is a way I have of driving off the spleen and regulating the circulation.\n"
                .repeat(40));
        Path out = tmp.resolve("gptq");
        run(args(out, "--method", "gptq", "--config", "b4g64", "--only", "down_proj", "--calib", docs.toString(),
                "--calib-windows", "4", "--calib-length", "64"));
        Map<String, Map<String, String>> units = rows(out.resolve("correlate-tiny-gptq-b4g64-matrix.csv"));
        assertEquals(List.of("0.mlp.down_proj", "1.mlp.down_proj"), List.copyOf(units.keySet()));
        MatrixKey key = new MatrixKey(1, "mlp.down_proj");
        try (LoadedModel base = LoadedModel.open(model.toString(), ComputeDevice.CPU)) {
            long[][] windows = new org.lmqt.calib.CalibrationWindows(Optional.of(docs),
                    new org.lmqt.calib.GptqCalibration.Settings(4, 64, 1)).windows(base.requireTokenizer()::encode);
            org.lmqt.quant.gptq.GptqHessian h = new org.lmqt.quant.gptq.GptqHessian(512);
            try (var cap = new org.lmqt.model.ActivationCapture(base.model().manager(),
                    Set.of(org.lmqt.checkpoint.BlockPart.MLP_DOWN));
                 var hook = base.model().addHook(cap)) {
                for (long[] w : windows) {
                    base.model().logits(w);
                }
                cap.inputs(1, org.lmqt.checkpoint.BlockPart.MLP_DOWN).forEach(h::addSequence);   // [64, 512] each
            }
            org.lmqt.quant.gptq.GptqMatrix q;
            try (Checkpoint ckpt = Checkpoint.open(model)) {
                var w = ckpt.tensor(key.weightName(ckpt.family()));
                q = new org.lmqt.quant.gptq.GptqQuantizer().quantize(w.data(), w.shape(), QuantConfig.parse("b4g64"), h)
                        .matrix();
            }
            try (var source = new org.lmqt.model.MatrixOverrides(org.lmqt.model.WeightSource.of(Checkpoint.open(model)),
                    Map.of(key, q));
                 var quantized = org.lmqt.model.LlamaModel.load(source, ComputeDevice.CPU)) {
                long[] ids = base.requireTokenizer().encodePrefix(Files.readString(text), MAX_TOKENS);
                double ppl = PROTOCOL.evaluate(quantized, ids, new MemoryProbe(ComputeDevice.CPU), k -> { })
                        .perplexity();
                KlDivergence.Result kl = new KlDivergence(PROTOCOL).evaluate(quantized, base.model(), ids, k -> { });
                Map<String, String> row = units.get(key.id());
                assertEquals(ppl, Double.parseDouble(row.get("ppl")), 1e-12 * ppl);
                assertTrue(kl.mean() > 0);
                assertEquals(kl.mean(), Double.parseDouble(row.get("kld_mean")), 1e-12 * kl.mean());
            }
        }
    }

    /** Reference logits another model of the same name wrote for the same tokens are computed again, not reused. */
    @Test
    void referenceLogitsOfAnotherModelAreNotReused() throws Exception {
        Path other = tmp.resolve("other/tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 4).write(other);
        ByteLevelTokenizerJson.write(other, 512);
        Path shared = tmp.resolve("shared-output");
        Path fresh = tmp.resolve("fresh-output");
        List<String> first = args(shared, "--config", "b4g64", "--only", "o_proj");
        run(first);
        List<String> second = args(shared, "--config", "b4g64", "--only", "o_proj", "--force");
        second.set(second.indexOf(model.toString()), other.toString());
        run(second);
        List<String> clean = args(fresh, "--config", "b4g64", "--only", "o_proj");
        clean.set(clean.indexOf(model.toString()), other.toString());
        run(clean);
        String csv = "correlate-tiny-hqq-b4g64-matrix.csv";
        assertEquals(Files.readAllLines(fresh.resolve(csv)), Files.readAllLines(shared.resolve(csv)));
    }

    @Test
    void blockPartsSumTheirFnormsAndTakeTheirPartsSensitivity() throws Exception {
        Path out = tmp.resolve("parts");
        Path sensi = tmp.resolve("sensi.csv");
        List<String> lines = new ArrayList<>(List.of("dataset,part,model,nbits,group_size,layer,sensitivity"));
        String[] parts = {"attn_in", "attn_out", "mlp_gate", "mlp_down"};
        for (int l = 0; l < 2; l++) {
            for (int p = 0; p < parts.length; p++) {
                lines.add("moby," + parts[p] + ",tiny,4,64," + l + "," + (0.5 + l + 0.25 * p));
            }
        }
        lines.add("moby,mlp_gate,other-model,4,64,0,99.0");
        Files.write(sensi, lines);
        run(args(out, "--config", "b4g64", "--unit", "block-part", "--only", "attn_in,mlp_gate",
                "--sensitivity", sensi.toString(), "--sensi-dataset", "moby", "--sensi-config", "b4g64"));
        Map<String, Map<String, String>> units = rows(out.resolve("correlate-tiny-hqq-b4g64-block-part.csv"));
        assertEquals(List.of("0.attn_in", "0.mlp_gate", "1.attn_in", "1.mlp_gate"), List.copyOf(units.keySet()));
        assertEquals("self_attn.q_proj+self_attn.k_proj+self_attn.v_proj", units.get("0.attn_in").get("matrices"));
        assertEquals(0.5 + 1 + 0.25 * 2, Double.parseDouble(units.get("1.mlp_gate").get("sensitivity")), 0);
        assertEquals(0.5, Double.parseDouble(units.get("0.attn_in").get("sensitivity")), 0);
        try (Checkpoint ckpt = Checkpoint.open(model)) {
            QuantConfig c = QuantConfig.parse("b4g64");
            double sum = 0;
            double kurt = 0;
            long params = 0;
            for (String m : List.of("mlp.gate_proj", "mlp.up_proj")) {
                var w = ckpt.tensor(new MatrixKey(1, m).weightName(ckpt.family()));
                sum += Fnorm.of(new Hqq(null), w, c);
                kurt += Moments.pearsonKurtosis(w.data()) / 2;
                params += w.numel();
            }
            Map<String, String> gate = units.get("1.mlp_gate");
            assertEquals(sum, Double.parseDouble(gate.get("fnorm")), 1e-12 * sum);
            assertEquals(kurt, Double.parseDouble(gate.get("kurtosis")), 1e-12 * Math.abs(kurt));
            assertEquals(params, Long.parseLong(gate.get("params")));
        }
        Map<String, Map<String, String>> summary = rows(out.resolve("correlate-tiny-hqq-b4g64-block-part-summary.csv"));
        assertTrue(summary.containsKey("kld_mean,sensitivity") && summary.containsKey("delta_ppl,sensitivity"));
        double[] x = column(units, "sensitivity");
        double[] y = column(units, "kld_mean");
        assertEquals(new SpearmansCorrelation().correlation(x, y),
                Double.parseDouble(summary.get("kld_mean,sensitivity").get("spearman")), 1e-12);
        assertTrue(Files.readString(out.resolve("correlate-tiny-hqq-b4g64-block-part.html")).contains("Sensitivity"));
    }

    private static void call(List<String> args) throws Exception {
        CorrelateCommand c = new CorrelateCommand();
        new CommandLine(c).setCaseInsensitiveEnumValuesAllowed(true).parseArgs(args.toArray(String[]::new));
        c.call();
    }

    private static String error(List<String> args) {
        UserException e = assertThrows(UserException.class, () -> call(args));
        assertFalse(e.getMessage().contains("\n"), "one line: " + e.getMessage());
        assertEquals(2, Cli.run(new CorrelateCommand(), args.toArray(String[]::new)), "exit code for bad input");
        return e.getMessage();
    }

    @Test
    void badInputGivesOneLine() throws Exception {
        Path out = tmp.resolve("errors");
        assertTrue(error(args(out, "--config", "b4x64")).contains("not a quantization config name"));
        assertTrue(error(args(out, "--config", "b7g64")).contains("unsupported bit width"));
        assertTrue(error(args(out, "--method", "nf4", "--config", "b3g64")).contains("nf4 is 4-bit"));
        assertTrue(error(args(out, "--method", "awq", "--config", "b4g128")).contains("whole blocks"));
        assertTrue(error(args(out, "--unit", "row")).contains("unknown unit 'row'"));
        String kind = error(args(out, "--only", "q_proj,qkv_proj"));
        assertTrue(kind.contains("unknown matrix kind 'qkv_proj'") && kind.contains("down_proj"), kind);
        assertTrue(error(args(out, "--unit", "block-part", "--only", "q_proj")).contains("unknown block part"));
        Path empty = tmp.resolve("empty.txt");
        Files.writeString(empty, "");
        List<String> emptyText = args(out);
        emptyText.set(emptyText.indexOf(text.toString()), empty.toString());
        assertTrue(error(emptyText).contains("empty text"));
        assertTrue(error(args(out, "--fnorm", tmp.resolve("no-such-fnorm.csv").toString()))
                .contains("not found"));
        assertNotEquals(0, Cli.run(new CorrelateCommand(), "--model", tmp.resolve("nope").toString()));
        assertFalse(Files.exists(out.resolve("correlate-tiny-hqq-b3g64-matrix.csv")), "nothing measured");
    }
}
