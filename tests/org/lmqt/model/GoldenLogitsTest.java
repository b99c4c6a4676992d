package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmqt.TestData;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.device.ComputeDevice;

/** The decoder against logits and greedy continuations of an independent Llama implementation. */
class GoldenLogitsTest {
    static {
        System.setProperty("lmqt.threads", "1"); // tiny models: one libtorch thread is fastest
    }


    private static Path fixture(String name) {
        return TestData.shared("fixtures/llama/" + name);
    }

    /** Runs {@code check} with the fixture's golden file and the model loaded the way the scripts load it. */
    private static void withFixture(String name, java.util.function.BiConsumer<SafetensorsFile, LoadedModel> check) {
        try (SafetensorsFile golden = SafetensorsFile.open(fixture(name).resolve("golden.safetensors"));
             LoadedModel model = LoadedModel.open(fixture(name).toString(), ComputeDevice.CPU)) {
            check.accept(golden, model);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama-gqa-bf16", "tiny-llama-mha-f32-tied"})
    void logitsMatchTheReference(String name) {
        withFixture(name, (golden, model) -> {
            float[] expected = golden.tensor("logits").data();                 // [T, vocab]
            float[] actual = model.model().logits(golden.longs("input_ids"));  // [T, vocab]
            assertEquals(expected.length, actual.length);
            double tol = 1e-3 * (1 + std(expected));
            double maxDiff = 0;
            for (int i = 0; i < expected.length; i++) {
                maxDiff = Math.max(maxDiff, Math.abs(expected[i] - actual[i]));
            }
            assertTrue(maxDiff <= tol, "max |diff| " + maxDiff + " > " + tol);
        });
    }

    @ParameterizedTest
    @ValueSource(strings = {"tiny-llama-gqa-bf16", "tiny-llama-mha-f32-tied"})
    void greedyContinuationMatchesWithTheKvCache(String name) {
        withFixture(name, (golden, model) -> {
            long[] expected = golden.longs("greedy_ids");
            long[] actual = new Generator(model.model()).generate(golden.longs("input_ids"), expected.length,
                    Sampling.GREEDY);
            assertArrayEquals(expected, actual);
        });
    }

    static double std(float[] x) {
        double mean = 0;
        for (float v : x) {
            mean += v;
        }
        mean /= x.length;
        double ss = 0;
        for (float v : x) {
            ss += (v - mean) * (v - mean);
        }
        return Math.sqrt(ss / x.length);
    }
}
