package org.lmqt.sensitivity;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmqt.TestData;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.ActivationCapture;
import org.lmqt.model.LlamaModel;
import org.lmqt.model.WeightSource;
import org.lmqt.quant.Hqq;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;

/**
 * The sensitivity scorer against {@code ../shared/fixtures/sensitivity} (an independent float32 reference with the
 * HQQ fork's quantization): with the fixture's dequantized weights injected, and end to end with lmqt's quantizer.
 * The README's tolerance for a faithful float32 implementation is about 1e-5 relative; we assert 1e-4.
 */
class SensitivityScorerTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final double REL_TOL = 1e-4;
    private static final List<QuantConfig> HQQ_CONFIGS = List.of(new QuantConfig(4, 64), new QuantConfig(2, 32));
    private static final List<QuantConfig> RTN_CONFIGS = List.of(new QuantConfig(4, 64));

    private static Path fixture(String file) {
        return TestData.shared("fixtures/sensitivity/" + file);
    }

    private static Path model(String name) {
        return TestData.shared("fixtures/llama/" + name);
    }

    /** The fixture's batch {@code [2, 512]}. */
    private static long[][] batch(SafetensorsFile f) {
        long[] ids = f.longs("input_ids");
        int len = f.entry("input_ids").shape()[1];
        long[][] rows = new long[ids.length / len][];
        for (int r = 0; r < rows.length; r++) {
            rows[r] = java.util.Arrays.copyOfRange(ids, r * len, (r + 1) * len);
        }
        return rows;
    }

    private static List<SensitivityRow> score(String name, QuantMethod method, List<QuantConfig> configs,
                                              Dequantizer deq, boolean includeAttnOut) {
        try (SafetensorsFile f = SafetensorsFile.open(fixture(name + ".safetensors"));
             Checkpoint ckpt = Checkpoint.open(model(name));
             LlamaModel m = LlamaModel.load(WeightSource.of(ckpt), ComputeDevice.CPU)) {
            return new SensitivityScorer(includeAttnOut).score(m, WeightSource.of(ckpt), batch(f), "moby", name,
                    configs, deq, l -> { });
        }
    }

    /** The fixture's dequantized weights, {@code deq.<method>_b<n>g<g>.<weight name>}. */
    private static Dequantizer injected(String name, QuantMethod method) {
        return (key, w, shape, c) -> {
            try (SafetensorsFile f = SafetensorsFile.open(fixture(name + ".safetensors"))) {
                return f.tensor("deq." + method.name().toLowerCase() + "_" + c.name() + "."
                        + key.weightName(org.lmqt.checkpoint.ModelFamily.LLAMA)).data();
            }
        };
    }

    /** Expected rows of one model from a fixture CSV, in file order. */
    private static List<String[]> expected(String csv, String name) throws IOException {
        List<String[]> rows = new ArrayList<>();
        for (String line : Files.readAllLines(fixture(csv)).subList(1, Files.readAllLines(fixture(csv)).size())) {
            String[] f = line.split(",");
            if (f[2].equals(name)) {
                rows.add(f);
            }
        }
        return rows;
    }

    private static void assertMatches(List<String[]> expected, List<SensitivityRow> actual) {
        assertEquals(expected.size(), actual.size(), "row count");
        for (int i = 0; i < expected.size(); i++) {
            String[] e = expected.get(i);
            SensitivityRow a = actual.get(i);
            String where = String.join(",", e);
            assertEquals(e[0] + "," + e[1] + "," + e[2] + "," + e[3] + "," + e[4] + "," + e[5],
                    a.dataset() + "," + a.part().label() + "," + a.model() + "," + a.nbits() + "," + a.groupSize()
                            + "," + a.layer(), "row " + i);
            double want = Double.parseDouble(e[6]);
            assertEquals(want, a.sensitivity(), REL_TOL * want, where);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama-gqa-bf16", "tiny-llama-mha-f32-tied"})
    void injectedWeightsReproduceTheReference(String name) throws IOException {
        assertMatches(expected("sensitivity-hqq.csv", name),
                score(name, QuantMethod.HQQ, HQQ_CONFIGS, injected(name, QuantMethod.HQQ), true));
        assertMatches(expected("sensitivity-rtn.csv", name),
                score(name, QuantMethod.RTN, RTN_CONFIGS, injected(name, QuantMethod.RTN), true));
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama-gqa-bf16", "tiny-llama-mha-f32-tied"})
    void lmqtsQuantizerReproducesTheReferenceEndToEnd(String name) throws IOException {
        Hqq kernel = new Hqq(null);
        assertMatches(expected("sensitivity-hqq.csv", name),
                score(name, QuantMethod.HQQ, HQQ_CONFIGS, Dequantizer.of(QuantMethod.HQQ, kernel), true));
        assertMatches(expected("sensitivity-rtn.csv", name),
                score(name, QuantMethod.RTN, RTN_CONFIGS, Dequantizer.of(QuantMethod.RTN, kernel), true));
    }

    /** lmqt's dequantized weights are the fixture's bit for bit (the end-to-end match depends on it). */
    @Test
    void dequantizedWeightsAreTheForksBitForBit() {
        String name = "tiny-llama-gqa-bf16";
        Dequantizer ours = Dequantizer.of(QuantMethod.HQQ, new Hqq(null));
        Dequantizer theirs = injected(name, QuantMethod.HQQ);
        try (Checkpoint ckpt = Checkpoint.open(model(name))) {
            for (String module : ckpt.family().linearModules()) {
                var key = new org.lmqt.checkpoint.MatrixKey(1, module);
                var w = ckpt.tensor(key.weightName(ckpt.family()));
                for (QuantConfig c : HQQ_CONFIGS) {
                    assertArrayEquals(theirs.apply(key, w.data(), w.shape(), c),
                            ours.apply(key, w.data(), w.shape(), c), key + " " + c);
                }
            }
        }
    }

    @Test
    void theOriginalsModeSkipsAttnOutOfGqaModelsOnly() {
        Dequantizer rtn = Dequantizer.of(QuantMethod.RTN, new Hqq(null));
        List<SensitivityRow> gqa = score("tiny-llama-gqa-bf16", QuantMethod.RTN, RTN_CONFIGS, rtn, false);
        List<SensitivityRow> mha = score("tiny-llama-mha-f32-tied", QuantMethod.RTN, RTN_CONFIGS, rtn, false);
        assertTrue(gqa.stream().noneMatch(r -> r.part() == BlockPart.ATTN_OUT));
        assertEquals(6, gqa.size());
        assertEquals(8, mha.size());
    }

    /**
     * dump-sensi's {@code bnb} (NF4, blocks of the group size, bits ignored): no golden exists, so the rows are
     * checked for what must hold: finite and positive, the config's labels kept, the 3-bit and 4-bit configs of one
     * group identical (bits ignored), coarser blocks more sensitive on average.
     */
    @Test
    void bnbSensitivitiesArePositiveAndGrowWithTheBlockSize() {
        String name = "tiny-llama-gqa-bf16";
        Dequantizer bnb = Dequantizer.of(QuantMethod.NF4, new Hqq(null));
        List<QuantConfig> configs = List.of(new QuantConfig(4, 32), new QuantConfig(4, 128), new QuantConfig(3, 128));
        List<SensitivityRow> rows = score(name, QuantMethod.NF4, configs, bnb, true);
        assertEquals(3 * 2 * 4, rows.size(), "3 configs x 2 layers x 4 parts");
        assertTrue(rows.stream().allMatch(r -> Double.isFinite(r.sensitivity()) && r.sensitivity() > 0), rows.toString());
        double g32 = rows.stream().filter(r -> r.groupSize() == 32).mapToDouble(SensitivityRow::sensitivity).average()
                .orElseThrow();
        List<Float> b4g128 = rows.stream().filter(r -> r.groupSize() == 128 && r.nbits() == 4)
                .map(SensitivityRow::sensitivity).toList();
        List<Float> b3g128 = rows.stream().filter(r -> r.groupSize() == 128 && r.nbits() == 3)
                .map(SensitivityRow::sensitivity).toList();
        assertEquals(b4g128, b3g128, "bits are ignored: always NF4");
        double g128 = b4g128.stream().mapToDouble(Float::doubleValue).average().orElseThrow();
        assertTrue(g128 > g32, "block 128 " + g128 + " vs block 32 " + g32);
    }

    /** The capture hook sees what the reference captured: the part inputs' first positions and statistics. */
    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama-gqa-bf16", "tiny-llama-mha-f32-tied"})
    void capturedPartInputsAreTheReferences(String name) {
        try (SafetensorsFile f = SafetensorsFile.open(fixture(name + ".safetensors"));
             LlamaModel m = LlamaModel.load(WeightSource.of(Checkpoint.open(model(name))), ComputeDevice.CPU);
             ActivationCapture cap = new ActivationCapture(m.manager(), Set.of(BlockPart.values()))) {
            long[][] rows = batch(f);
            try (var hook = m.addHook(cap)) {
                for (long[] row : rows) {
                    m.logits(row.length <= m.config().maxPositions() ? row
                            : java.util.Arrays.copyOf(row, m.config().maxPositions()));
                }
            }
            for (int layer = 0; layer < m.numLayers(); layer++) {
                for (BlockPart p : BlockPart.values()) {
                    float[] head = f.tensor("layer" + layer + "." + p.label() + ".x_head").data(); // [2, 4, in]
                    int in = head.length / 8;
                    for (int r = 0; r < 2; r++) {
                        NDArray x = cap.inputs(layer, p).get(r);                             // [T, in]
                        float[] first = x.get("0:4").toFloatArray();
                        float[] want = java.util.Arrays.copyOfRange(head, r * 4 * in, (r + 1) * 4 * in);
                        for (int k = 0; k < want.length; k++) {
                            assertEquals(want[k], first[k], 1e-5 * (1 + Math.abs(want[k])),
                                    name + " layer " + layer + " " + p.label() + " row " + r + " [" + k + "]");
                        }
                    }
                }
            }
        }
    }
}
