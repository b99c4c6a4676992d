package org.lmqt.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.ByteLevelTokenizerJson;
import org.lmqt.model.LoadedModel;
import org.lmqt.quant.QuantPlan;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;

/** Perplexity of the tiny GQA fixture on the start of Moby-Dick, with a byte-level tokenizer beside it. */
class PerplexityTest {
    static {
        System.setProperty("lmqt.threads", "1"); // tiny models: one libtorch thread is fastest
    }

    private static final Perplexity PROTOCOL = new Perplexity(128, 64);
    @TempDir
    static Path tmp;
    static Path model;
    static String text;

    @BeforeAll
    static void copyFixtureWithTokenizer() throws IOException {
        model = tmp.resolve("tiny");
        Files.createDirectories(model);
        Path src = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16");
        for (String f : new String[] {"config.json", "model.safetensors"}) {
            Files.copy(src.resolve(f), model.resolve(f));
        }
        ByteLevelTokenizerJson.write(model, 256);
        text = Files.readString(TestData.shared("corpus/moby-dick.txt")).substring(0, 2000);
    }

    private static PerplexityResult run(Optional<QuantPlan> plan) {
        try (LoadedModel m = LoadedModel.open(model.toString(), ComputeDevice.CPU, plan)) {
            long[] ids = m.requireTokenizer().encode(text);
            return PROTOCOL.evaluate(m.model(), ids, new MemoryProbe(ComputeDevice.CPU), k -> { });
        }
    }

    @Test
    void windowsFollowTheOriginalRecipe() {
        Perplexity p = new Perplexity(1024, 512);
        Perplexity.Window[] w = p.windows(1300);
        assertArrayEquals(new Perplexity.Window[] {new Perplexity.Window(0, 512, 512),
                new Perplexity.Window(0, 1024, 512), new Perplexity.Window(512, 1300, 276)}, w);
    }

    @Test
    void protocolAgreesWithADirectSumOverTheLogits() {
        double direct;
        long[] ids;
        try (LoadedModel m = LoadedModel.open(model.toString(), ComputeDevice.CPU)) {
            ids = m.requireTokenizer().encode(text);
            int vocab = m.model().vocabSize();
            // independent computation: log-softmax in double over the logits of each window
            double sum = 0;
            int n = ids.length;
            for (int i = 0; i < n; i += 64) {
                int begin = Math.max(i + 64 - 128, 0);
                int end = Math.min(i + 64, n);
                int trg = end - i;
                long[] win = Arrays.copyOfRange(ids, begin, end);
                float[] logits = m.model().logits(win); // [len, vocab]
                double windowSum = 0;
                int count = 0;
                for (int pos = Math.max(win.length - trg, 1); pos < win.length; pos++) {
                    int row = (pos - 1) * vocab;
                    double max = Double.NEGATIVE_INFINITY;
                    for (int v = 0; v < vocab; v++) {
                        max = Math.max(max, logits[row + v]);
                    }
                    double z = 0;
                    for (int v = 0; v < vocab; v++) {
                        z += Math.exp(logits[row + v] - max);
                    }
                    windowSum += max + Math.log(z) - logits[row + (int) win[pos]];
                    count++;
                }
                sum += windowSum / count * trg;
            }
            direct = Math.exp(sum / n);
        }
        PerplexityResult r = run(Optional.empty());
        assertEquals(ids.length, r.tokens());
        assertEquals(direct, r.perplexity(), 1e-5 * direct);
        assertTrue(r.perplexity() > 1 && r.perplexity() < 1000, "a random byte model is near-uniform: " + r.perplexity());
    }

    @Test
    void eightBitBarelyMovesPerplexityTwoBitMovesItClearly() {
        double base = run(Optional.empty()).perplexity();
        // the tiny model has too few groups for meta group 128: the scale's meta group is 8 here
        double b8 = run(Optional.of(QuantPlan.uniform(QuantMethod.HQQ, new QuantConfig(8, 128, 8, 8)))).perplexity();
        double b2 = run(Optional.of(QuantPlan.uniform(QuantMethod.HQQ, new QuantConfig(2, 128, 8, 8)))).perplexity();
        double d8 = Math.abs(b8 / base - 1);
        double d2 = Math.abs(b2 / base - 1);
        assertTrue(d8 < 0.001, "b8g128 moves perplexity by " + d8);
        assertTrue(d2 > 100 * d8, "b2g128 moves perplexity by " + d2 + " (b8: " + d8 + ")");
    }

    @Test
    void tooShortTextIsAnError() {
        try (LoadedModel m = LoadedModel.open(model.toString(), ComputeDevice.CPU)) {
            assertThrows(UserException.class, () -> PROTOCOL.evaluate(m.model(), new long[] {1},
                    new MemoryProbe(ComputeDevice.CPU), k -> { }));
        }
    }
}
