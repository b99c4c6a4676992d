package org.lmqt.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.QuantConfig;

/** The three metadata tables on the tiny fixture checkpoints: names, columns, row order, values. */
class MetadataDumpTest {
    static final Path GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");

    @TempDir
    Path out;

    @Test
    void fnormTableHasTheOriginalsLayoutAndValues() throws IOException {
        try (Checkpoint c = Checkpoint.open(GQA)) {
            MetadataDump.Outcome o = MetadataDump.write(MetadataKind.FNORM, c, out, 2, false);
            assertEquals(out.resolve("fnorm-tiny-llama-gqa-bf16.csv"), o.file());
            List<String> lines = Files.readAllLines(o.file());
            assertEquals("layer,module,nbit1,gsize1,nbit2,gsize2,fnorm,memmb,params", lines.get(0));
            int layers = c.config().numLayers();
            assertEquals(1 + layers * 7 * 12, lines.size());
            // row order: layer, module (q, v, k, o, gate, up, down), nbit1, gsize1
            assertTrue(lines.get(1).startsWith("0,self_attn.q_proj,2,32,8,128,"));
            assertTrue(lines.get(13).startsWith("0,self_attn.v_proj,2,32,"));
            assertTrue(lines.get(12).startsWith("0,self_attn.q_proj,8,128,"));
            assertTrue(lines.get(1 + 6 * 12).startsWith("0,mlp.down_proj,2,32,"));
            assertTrue(lines.get(1 + 7 * 12).startsWith("1,self_attn.q_proj,2,32,"));
            // values: fnorm recomputed directly, memmb from the bpp formula, params = numel
            String[] f = lines.get(13 + 7).split(",");   // v_proj, b4g64
            Tensor v = c.tensor("model.layers.0.self_attn.v_proj.weight");
            assertEquals("4", f[2]);
            assertEquals("64", f[3]);
            double direct = directNorm(v, 4, 64);
            assertEquals(direct, Double.parseDouble(f[6]), 1e-6 * direct);
            assertEquals(QuantConfig.parse("b4g64").memoryMiB(v.numel()), Double.parseDouble(f[7]), 0);
            assertEquals(v.numel(), Long.parseLong(f[8]));
            // more bits, less error
            double b2 = Double.parseDouble(lines.get(13).split(",")[6]);
            double b8 = Double.parseDouble(lines.get(13 + 9).split(",")[6]);
            assertTrue(b8 < b2 / 10, b8 + " vs " + b2);
        }
    }

    @Test
    void rerunSkipsACompleteFileAndRedoesATruncatedOne() throws IOException {
        try (Checkpoint c = Checkpoint.open(GQA)) {
            Path file = MetadataDump.write(MetadataKind.KURTOSIS, c, out, 1, false).file();
            assertTrue(MetadataDump.write(MetadataKind.KURTOSIS, c, out, 1, false).skipped());
            List<String> lines = Files.readAllLines(file);
            Files.write(file, lines.subList(0, 5));
            MetadataDump.Outcome again = MetadataDump.write(MetadataKind.KURTOSIS, c, out, 1, false);
            assertFalse(again.skipped());
            assertEquals(lines, Files.readAllLines(file));
        }
    }

    @Test
    void kurtosisAndWdistAreModuleMajorAndAgree() throws IOException {
        try (Checkpoint c = Checkpoint.open(GQA)) {
            List<String> k = Files.readAllLines(MetadataDump.write(MetadataKind.KURTOSIS, c, out, 1, false).file());
            List<String> w = Files.readAllLines(MetadataDump.write(MetadataKind.WDIST, c, out, 1, false).file());
            int layers = c.config().numLayers();
            assertEquals("module,layer,param_count,kurtosis", k.get(0));
            assertEquals(List.of("self_attn.q_proj", "self_attn.k_proj", "self_attn.v_proj", "self_attn.o_proj",
                    "mlp.gate_proj", "mlp.down_proj", "mlp.up_proj"),
                    k.stream().skip(1).map(l -> l.split(",")[0]).distinct().toList());
            assertEquals(1 + 9 * layers, w.size());
            assertEquals(List.of("input_layernorm", "mlp.down_proj", "mlp.gate_proj", "mlp.up_proj",
                    "post_attention_layernorm", "self_attn.k_proj", "self_attn.o_proj", "self_attn.q_proj",
                    "self_attn.v_proj"), w.stream().skip(1).map(l -> l.split(",")[0]).distinct().toList());
            // the wdist kurtosis of a matrix equals its kurtosis-table value (as in the original's files)
            String kq = k.stream().filter(l -> l.startsWith("self_attn.q_proj,1,")).findFirst().orElseThrow();
            String wq = w.stream().filter(l -> l.startsWith("self_attn.q_proj,")).filter(l -> l.split(",")[2].equals("1"))
                    .findFirst().orElseThrow();
            assertEquals(kq.split(",")[3], wq.split(",")[8]);
            // percentiles are ordered and the 100th is max |w|
            String[] p = wq.split(",");
            Tensor t = c.tensor("model.layers.1.self_attn.q_proj.weight");
            double max = 0;
            for (float x : t.data()) {
                max = Math.max(max, Math.abs(x));
            }
            assertEquals(max, Double.parseDouble(p[7]), 0);
            for (int i = 3; i < 7; i++) {
                assertTrue(Double.parseDouble(p[i]) <= Double.parseDouble(p[i + 1]));
            }
        }
    }

    private static double directNorm(Tensor w, int bits, int group) {
        float[] wq = Hqq.quantize(w.data(), w.shape(), Hqq.Spec.hqq(bits, group)).dequantizeHalf();
        double s = 0;
        for (int i = 0; i < wq.length; i++) {
            s += (double) (w.data()[i] - wq[i]) * (w.data()[i] - wq[i]);
        }
        return Math.sqrt(s);
    }
}
