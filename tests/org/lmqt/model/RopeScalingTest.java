package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lmqt.checkpoint.Checkpoint;
import org.lmqt.checkpoint.ModelConfig;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;

/**
 * Pins the {@code rope_scaling} variants (none, {@code default}, {@code linear}, {@code llama3}) against
 * independent double-precision formulas of transformers' {@code modeling_rope_utils} ({@link ReferenceLlama}):
 * {@link RopeSettings}' inverse frequencies and cos/sin tables directly, and the logits of a whole tiny random
 * model loaded with each scaling against the double-precision reference forward pass.
 */
class RopeScalingTest {
    static {
        System.setProperty("lmqt.threads", "1"); // tiny models: one libtorch thread is fastest
    }

    private static final ObjectMapper JSON = new ObjectMapper();

    /**
     * float32 model vs double reference: each matmul of width <= 128 over O(1) values carries ~1e-6 relative
     * rounding error, the float32 rotary angles {@code p * inv_freq} (p < 64) another ~1e-6, and two layers,
     * softmax and the head amplify that by a small factor; the measured error is ~1e-6 of the logit scale, so
     * 1e-4 has ample margin, while every mutation of the scaling moves the logits by more than 1e-2 (checked).
     */
    private static final double TOLERANCE = 1e-4;

    @TempDir
    Path tmp;

    /**
     * Llama-3 scaling for a tiny model (theta 100, head width 16): wavelengths 6.3 .. 353 against the thresholds
     * 64/8 = 8 and 64/1 = 64, so one frequency is kept, four are interpolated and three divided by the factor.
     */
    private static final String TINY_LLAMA3 = "{\"rope_type\": \"llama3\", \"factor\": 4.0, \"low_freq_factor\": 1.0, "
            + "\"high_freq_factor\": 8.0, \"original_max_position_embeddings\": 64}";

    private static double[] tinyLlama3() {
        return ReferenceLlama.llama3InvFreq(100, 16, 4, 1, 8, 64);
    }

    /** A config JSON with the given theta, head width and {@code rope_scaling} (null: none). */
    private static ModelConfig config(double theta, int headDim, String ropeScaling) throws Exception {
        ObjectNode c = JSON.createObjectNode();
        c.putArray("architectures").add("LlamaForCausalLM");
        c.put("model_type", "llama");
        c.put("hidden_size", headDim * 2);
        c.put("intermediate_size", 8);
        c.put("num_hidden_layers", 1);
        c.put("num_attention_heads", 2);
        c.put("head_dim", headDim);
        c.put("vocab_size", 8);
        c.put("rope_theta", theta);
        if (ropeScaling != null) {
            c.set("rope_scaling", JSON.readTree(ropeScaling));
        }
        return ModelConfig.fromJson(c, "test");
    }

    /** Cases: name, theta, head dim, rope_scaling JSON, the reference inverse frequencies. */
    static Stream<Arguments> tableCases() {
        return Stream.of(
                Arguments.of("absent", 10000.0, 16, null, ReferenceLlama.defaultInvFreq(10000, 16)),
                Arguments.of("null", 500000.0, 128, "null", ReferenceLlama.defaultInvFreq(500000, 128)),
                Arguments.of("default", 10000.0, 64, "{\"rope_type\": \"default\"}",
                        ReferenceLlama.defaultInvFreq(10000, 64)),
                Arguments.of("linear (type key, Llama 2 style)", 10000.0, 16, "{\"type\": \"linear\", \"factor\": 4.0}",
                        ReferenceLlama.linearInvFreq(10000, 16, 4)),
                Arguments.of("linear (rope_type key)", 10000.0, 128, "{\"rope_type\": \"linear\", \"factor\": 2.5}",
                        ReferenceLlama.linearInvFreq(10000, 128, 2.5)),
                Arguments.of("llama3 (Llama 3.1 8B)", 500000.0, 128, "{\"rope_type\": \"llama3\", \"factor\": 8.0, "
                                + "\"low_freq_factor\": 1.0, \"high_freq_factor\": 4.0, "
                                + "\"original_max_position_embeddings\": 8192}",
                        ReferenceLlama.llama3InvFreq(500000, 128, 8, 1, 4, 8192)),
                Arguments.of("llama3 (tiny, 4 of 8 in the smooth band)", 100.0, 16, TINY_LLAMA3, tinyLlama3()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("tableCases")
    void inverseFrequenciesAndTablesMatchTheFormula(String name, double theta, int d, String scaling,
                                                    double[] expected) throws Exception {
        RopeSettings rope = RopeSettings.of(config(theta, d, scaling));
        float[] inv = rope.inverseFrequencies(d);
        assertEquals(d / 2, inv.length);
        // HF computes inv_freq in float32: one float rounding (plus a few ulps of pow) from the exact value
        for (int i = 0; i < inv.length; i++) {
            assertEquals(expected[i], inv[i], 1e-6 * expected[i], name + ": inv_freq[" + i + "]");
        }
        int positions = 300;
        float[][] tables = rope.tables(positions, d);
        assertEquals(positions * d, tables[0].length);
        assertEquals(positions * d, tables[1].length);
        int half = d / 2;
        for (int p = 0; p < positions; p++) {
            for (int i = 0; i < half; i++) {
                double angle = p * expected[i];
                // the angle p * inv_freq is a float32 product (as HF's): ~2e-7 relative, plus the float result
                double tol = 1e-6 * (1 + angle);
                for (int j : new int[] {i, half + i}) {   // rotate-half layout: both halves carry frequency i
                    assertEquals(Math.cos(angle), tables[0][p * d + j], tol, name + ": cos p=" + p + " j=" + j);
                    assertEquals(Math.sin(angle), tables[1][p * d + j], tol, name + ": sin p=" + p + " j=" + j);
                }
            }
        }
    }

    @Test
    void theTinyLlama3CaseHasAllThreeBands() {
        // guards the test above: the interpolated band and both untouched/divided bands are all exercised
        double[] base = ReferenceLlama.defaultInvFreq(100, 16);
        double[] scaled = tinyLlama3();
        int kept = 0;
        int divided = 0;
        int smooth = 0;
        for (int i = 0; i < base.length; i++) {
            if (scaled[i] == base[i]) {
                kept++;
            } else if (Math.abs(scaled[i] - base[i] / 4) < 1e-15) {
                divided++;
            } else {
                smooth++;
            }
        }
        assertEquals(1, kept);
        assertEquals(3, divided);
        assertEquals(4, smooth);
    }

    @Test
    void anUnsupportedScalingTypeIsAOneLineError() throws Exception {
        var e = assertThrows(UserException.class, () -> RopeSettings.of(config(10000, 16,
                "{\"rope_type\": \"yarn\", \"factor\": 4.0}")));
        assertTrue(e.getMessage().contains("yarn"), e.getMessage());
    }

    /** Forward cases: name, tied head, theta, rope_scaling JSON (null: none), reference inverse frequencies. */
    static Stream<Arguments> forwardCases() {
        return Stream.of(
                Arguments.of("default, untied", false, 10000.0, null, ReferenceLlama.defaultInvFreq(10000, 16)),
                Arguments.of("linear x4, tied", true, 10000.0, "{\"type\": \"linear\", \"factor\": 4.0}",
                        ReferenceLlama.linearInvFreq(10000, 16, 4)),
                Arguments.of("llama3, untied", false, 100.0, TINY_LLAMA3, tinyLlama3()));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("forwardCases")
    void logitsMatchTheDoublePrecisionReference(String name, boolean tied, double theta, String scaling,
                                                double[] invFreq) throws Exception {
        ReferenceLlama ref = ReferenceLlama.llama(7, tied, theta);
        if (scaling != null) {
            ref.config.set("rope_scaling", JSON.readTree(scaling));
        }
        Path dir = ref.write(tmp.resolve("model"));
        long[] ids = ref.ids(11, 40);
        double[][] expected = ref.logits(ids, invFreq);
        float[] actual;
        try (LlamaModel m = LlamaModel.load(WeightSource.of(Checkpoint.open(dir)), ComputeDevice.CPU)) {
            actual = m.logits(ids);
        }
        double err = ReferenceLlama.relativeMaxError(expected, actual);
        assertTrue(err < TOLERANCE, name + ": max |diff| / max |logit| = " + err);
        if (scaling != null) {
            // the scaling must matter far above the tolerance, or this test could not see it wired wrongly
            double unscaled = ReferenceLlama.relativeMaxError(expected,
                    ref.logits(ids, ReferenceLlama.defaultInvFreq(theta, 16)));
            assertTrue(unscaled > 100 * TOLERANCE, name + ": scaling moves the logits by only " + unscaled);
        }
    }
}
