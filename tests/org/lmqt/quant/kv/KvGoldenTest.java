package org.lmqt.quant.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.lmqt.TestData;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;
import org.lmqt.model.KvPolicy;

/**
 * KIVI, LLMC naive KV and LLMEasyQuant's SimQuant against {@code fixtures/kv} (KIVI new_pack.py with qllm-infer's
 * cache bookkeeping, LLMC IntegerQuantizer, LEQ sim_quantize), at the fixture's tolerance: per tensor the max
 * abs difference of tolerance.csv and no element off by more than 1e-5 of max|reference|.
 */
class KvGoldenTest {
    private static final Path DIR = TestData.shared("fixtures/kv");
    private static SafetensorsFile inputs;
    private static SafetensorsFile expected;
    private static Map<String, Double> maxAbs;
    private static NDManager manager;

    @BeforeAll
    static void open() throws IOException {
        inputs = SafetensorsFile.open(DIR.resolve("inputs.safetensors"));
        expected = SafetensorsFile.open(DIR.resolve("expected.safetensors"));
        maxAbs = new HashMap<>();
        List<String> lines = Files.readAllLines(DIR.resolve("tolerance.csv"));
        for (String line : lines.subList(1, lines.size())) {
            String[] f = line.split(",");
            maxAbs.put(f[0], Double.parseDouble(f[2]));
        }
        manager = Djl.newManager(ComputeDevice.CPU);
    }

    @AfterAll
    static void close() {
        manager.close();
        inputs.close();
        expected.close();
    }

    /** A fixture tensor {@code [T, H, d]} as the cache's {@code [H, T, d]}. */
    private static NDArray headsFirst(String name) {
        Tensor t = inputs.tensor(name);
        return manager.create(t.data(), new Shape(t.shape()[0], t.shape()[1], t.shape()[2])).transpose(1, 0, 2);
    }

    /** Compares {@code actual} (laid out as the expected tensor) with the expected tensor at its tolerance. */
    private static void assertMatches(String name, float[] actual) {
        Tensor e = expected.tensor(name);
        assertEquals(e.numel(), actual.length, name + " size");
        double refMax = 0;
        for (float v : e.data()) {
            refMax = Math.max(refMax, Math.abs(v));
        }
        double worst = 0;
        int flips = 0;
        for (int i = 0; i < actual.length; i++) {
            double diff = Math.abs(actual[i] - e.data()[i]);
            worst = Math.max(worst, diff);
            flips += diff > 1e-5 * refMax ? 1 : 0;
        }
        assertEquals(0, flips, name + ": elements off by more than 1e-5 of max|ref|");
        assertTrue(worst <= maxAbs.get(name), name + ": max abs diff " + worst + " > " + maxAbs.get(name));
    }

    /** {@code [H, T, d]} back to the fixture's {@code [T, H, d]}. */
    private static float[] tokensFirst(NDArray a) {
        return a.transpose(1, 0, 2).toFloatArray();
    }

    private static KvPolicy.NewKv newKv(NDArray k, NDArray v) {
        return new KvPolicy.NewKv(k, k, v, UnaryOperator.identity(), true);
    }

    @ParameterizedTest
    @CsvSource({"r32, k2v2, 2, 32", "r32, k4v4, 4, 32", "r128, k4v4, 4, 128", "r128, k2v2, 2, 128"})
    void kiviPrefillWithQuantMatchesTheReference(String input, String bits, int b, int residual) {
        NDArray k = headsFirst("kivi." + input + ".K");   // [H, T, d]
        NDArray v = headsFirst("kivi." + input + ".V");   // [H, T, d]
        KvPolicy.Layer layer = new KiviPolicy(b, b, 32, residual).newLayer(0, manager);
        NDArray[] read = layer.append(newKv(k, v));
        String p = "kivi." + input + "." + bits + ".";
        assertMatches(p + "K_dq", tokensFirst(read[0]));
        assertMatches(p + "V_dq", tokensFirst(read[1]));
        assertEquals(k.getShape().get(1), layer.length());
    }

    @Test
    void kiviGroupParametersMatchTheReference() {
        NDArray k = headsFirst("kivi.r32.K");              // [2, 100, 64]
        NDArray v = headsFirst("kivi.r32.V");
        KiviQuantizer q = new KiviQuantizer(2, 32);
        KiviQuantizer.Groups keys = q.keys(k.get(":, 0:96, :"));       // 96 quantized tokens
        KiviQuantizer.Groups values = q.values(v.get(":, 0:68, :"));   // 68 quantized tokens
        assertMatches("kivi.r32.k2v2.k_scale", keys.scale().toFloatArray());
        assertMatches("kivi.r32.k2v2.k_mn", keys.min().toFloatArray());
        assertMatches("kivi.r32.k2v2.v_scale", values.scale().toFloatArray());
        assertMatches("kivi.r32.k2v2.v_mn", values.min().toFloatArray());
    }

    @ParameterizedTest
    @CsvSource({"k4v4, 4, 4", "k2v2, 2, 2", "k4v2, 4, 2"})
    void kiviDecodeCacheMatchesTheReference(String bits, int kb, int vb) {
        NDArray k = headsFirst("kivi.dec.K");              // [2, 85, 32]
        NDArray v = headsFirst("kivi.dec.V");
        KvPolicy.Layer layer = new KiviPolicy(kb, vb, 32, 32).newLayer(0, manager);
        layer.append(new KvPolicy.NewKv(k.get(":, 0:45, :"), k.get(":, 0:45, :"), v.get(":, 0:45, :"),
                UnaryOperator.identity(), false));
        for (int t = 45; t < 85; t++) {
            NDArray kt = k.get(":, " + t + ":" + (t + 1) + ", :");
            NDArray vt = v.get(":, " + t + ":" + (t + 1) + ", :");
            NDArray[] read = layer.append(new KvPolicy.NewKv(kt, kt, vt, UnaryOperator.identity(), false));
            // the step reads its own token exactly
            assertArrayEquals(kt.toFloatArray(), read[0].get(":, " + t + ":, :").toFloatArray());
            assertArrayEquals(vt.toFloatArray(), read[1].get(":, " + t + ":, :").toFloatArray());
        }
        NDArray[] cache = layer.contents();
        assertMatches("kivi.dec." + bits + ".K_cache", tokensFirst(cache[0]));
        assertMatches("kivi.dec." + bits + ".V_cache", tokensFirst(cache[1]));
    }

    @Test
    void kiviVanillaPrefillAttendsToTheExactKeysAndValues() {
        NDArray k = headsFirst("kivi.r32.K");
        NDArray v = headsFirst("kivi.r32.V");
        KvPolicy.Layer layer = new KiviPolicy(2, 2, 32, 32).newLayer(0, manager);
        NDArray[] read = layer.append(new KvPolicy.NewKv(k, k, v, UnaryOperator.identity(), false));
        assertArrayEquals(k.toFloatArray(), read[0].toFloatArray());
        assertArrayEquals(v.toFloatArray(), read[1].toFloatArray());
        // but the cache holds the quantized form
        assertMatches("kivi.r32.k2v2.K_dq", tokensFirst(layer.contents()[0]));
        assertMatches("kivi.r32.k2v2.V_dq", tokensFirst(layer.contents()[1]));
    }

    @Test
    void llmcNaivePrefillMatchesTheReference() {
        NDArray k = headsFirst("kivi.r32.K");
        NDArray v = headsFirst("kivi.r32.V");
        KvPolicy.Layer layer = NaiveKvPolicy.parse("naive8").newLayer(0, manager);
        NDArray[] read = layer.append(newKv(k, v));
        assertMatches("llmc_naive.K_dq", tokensFirst(read[0]));
        assertMatches("llmc_naive.V_dq", tokensFirst(read[1]));
    }

    @ParameterizedTest
    @CsvSource({"kv, 100, 128", "w, 40, 24", "b, 33, 1"})
    void simQuantMatchesLlmEasyQuant(String n, int rows, int cols) {
        SimQuant.Result r = SimQuant.quantize(inputs.tensor("simq." + n).data(), rows, cols);
        assertArrayEquals(expected.readBytes("simq." + n + ".q_int8"), r.int8Codes(), "int8 codes of " + n);
        assertMatches("simq." + n + ".dq", r.dequantized());
    }
}
