package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmqt.device.ComputeDevice;

/**
 * Pins the Qwen2 path: a tiny {@code Qwen2ForCausalLM} checkpoint with nonzero q/k/v biases (and, as Qwen2
 * configs have it, {@code use_sliding_window: false} beside a {@code sliding_window} shorter than the input,
 * which must then be ignored), loaded the way the scripts load it, against the double-precision reference
 * forward pass of {@link ReferenceLlama} with the biases added.
 */
class Qwen2BiasTest {
    static {
        System.setProperty("lmqt.threads", "1"); // tiny models: one libtorch thread is fastest
    }

    /** float32 vs double; see {@link RopeScalingTest}'s tolerance (the measured error is ~1e-6). */
    private static final double TOLERANCE = 1e-4;
    private static final double THETA = 1_000_000.0;

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "tied {0}")
    @ValueSource(booleans = {true, false})
    void logitsWithQkvBiasesMatchTheReference(boolean tied) {
        ReferenceLlama ref = new ReferenceLlama(23, tied, true, "Qwen2ForCausalLM", "qwen2", THETA);
        ref.config.put("use_sliding_window", false);
        ref.config.put("sliding_window", 4);
        ref.config.put("max_window_layers", 1);
        Path dir = ref.write(tmp.resolve("qwen2"));
        long[] ids = ref.ids(5, 24);
        double[] inv = ReferenceLlama.defaultInvFreq(THETA, ref.headDim);
        double[][] expected = ref.logits(ids, inv);
        float[] actual;
        try (LoadedModel m = LoadedModel.open(dir.toString(), ComputeDevice.CPU)) {
            actual = m.model().logits(ids);
        }
        double err = ReferenceLlama.relativeMaxError(expected, actual);
        assertTrue(err < TOLERANCE, "max |diff| / max |logit| = " + err);
        // each bias must move the logits far above the tolerance, or this test could not see one dropped
        for (String proj : new String[] {"q_proj", "k_proj", "v_proj"}) {
            Map<String, float[]> saved = new LinkedHashMap<>(ref.weights);
            ref.weights.keySet().removeIf(n -> n.endsWith(proj + ".bias"));
            double without = ReferenceLlama.relativeMaxError(expected, ref.logits(ids, inv));
            ref.weights.putAll(saved);
            assertTrue(without > 100 * TOLERANCE, proj + " bias moves the logits by only " + without);
        }
    }
}
