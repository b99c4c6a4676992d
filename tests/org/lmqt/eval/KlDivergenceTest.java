package org.lmqt.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.LoadedModel;
import org.lmqt.quant.QuantConfig;
import org.lmqt.quant.QuantMethod;
import org.lmqt.quant.QuantPlan;

/** KL divergence against a plain double-precision computation from both models' full logits. */
class KlDivergenceTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    private static final String GQA = TestData.shared("fixtures/llama/tiny-llama-gqa-bf16").toString();
    private static final Perplexity PROTOCOL = new Perplexity(64, 24);

    private static long[] ids() {
        long[] ids = new long[150];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = 3 + (i * 37 + i / 7) % 250;
        }
        return ids;
    }

    private static LoadedModel quantized(int bits, int group) {
        return LoadedModel.open(GQA, ComputeDevice.CPU,
                Optional.of(QuantPlan.uniform(QuantMethod.HQQ, new QuantConfig(bits, group, 8, 8))));
    }

    @Test
    void aModelHasNoDivergenceFromItself() {
        try (LoadedModel m = LoadedModel.open(GQA, ComputeDevice.CPU)) {
            KlDivergence.Result r = new KlDivergence(PROTOCOL).evaluate(m.model(), m.model(), ids(), k -> { });
            assertEquals(149, r.positions(), "every token but the first is predicted once");
            assertEquals(0, r.max(), 1e-6);
            assertEquals(1.0, r.top1Agree());
        }
    }

    @Test
    void matchesAPlainComputationFromTheLogits() {
        long[] ids = ids();
        try (LoadedModel ref = LoadedModel.open(GQA, ComputeDevice.CPU); LoadedModel q = quantized(2, 16)) {
            KlDivergence.Result r = new KlDivergence(PROTOCOL).evaluate(q.model(), ref.model(), ids, k -> { });
            // the same positions from full logits of each window, in double
            int vocab = ref.model().vocabSize();
            double sum = 0;
            double max = 0;
            int n = 0;
            int agree = 0;
            double[] all = new double[ids.length];
            for (Perplexity.Window w : PROTOCOL.windows(ids.length)) {
                long[] input = Arrays.copyOfRange(ids, w.begin(), w.end());
                float[] lr = ref.model().logits(input);   // [len, V]
                float[] lq = q.model().logits(input);     // [len, V]
                for (int p = Math.max(input.length - w.targets(), 1) - 1; p < input.length - 1; p++) {
                    double[] a = logSoftmax(lr, p, vocab);
                    double[] b = logSoftmax(lq, p, vocab);
                    double kl = 0;
                    for (int v = 0; v < vocab; v++) {
                        kl += Math.exp(a[v]) * (a[v] - b[v]);
                    }
                    all[n++] = kl;
                    sum += kl;
                    max = Math.max(max, kl);
                    agree += argMax(a) == argMax(b) ? 1 : 0;
                }
            }
            assertEquals(n, r.positions());
            assertTrue(sum / n > 1e-7, "2-bit quantization diverges: " + sum / n);
            assertEquals(sum / n, r.mean(), 1e-4 * sum / n);
            assertEquals(max, r.max(), 1e-4 * max);
            assertEquals((double) agree / n, r.top1Agree(), 1.0 / n, "at most one near-tie may flip");
            double[] sorted = Arrays.copyOf(all, n);
            Arrays.sort(sorted);
            assertEquals(sorted[n / 2], r.median(), 1e-4 * sorted[n / 2]);
        }
    }

    @Test
    void moreBitsDivergeLess() {
        try (LoadedModel ref = LoadedModel.open(GQA, ComputeDevice.CPU); LoadedModel b8 = quantized(8, 16);
             LoadedModel b2 = quantized(2, 16)) {
            KlDivergence kl = new KlDivergence(PROTOCOL);
            double small = kl.evaluate(b8.model(), ref.model(), ids(), k -> { }).mean();
            double large = kl.evaluate(b2.model(), ref.model(), ids(), k -> { }).mean();
            assertTrue(small * 10 < large, small + " vs " + large);
        }
    }

    @Test
    void statisticsAreTheNearestRankOnes() {
        double[] values = new double[200];
        for (int i = 0; i < values.length; i++) {
            values[i] = (i * 73) % 200;   // a permutation of 0..199
        }
        KlDivergence.Result r = KlDivergence.stats(values, 150);
        assertEquals(99.5, r.median());
        assertEquals(197, r.p99());
        assertEquals(199, r.max());
        assertEquals(99.5, r.mean(), 1e-12);
        assertEquals(0.75, r.top1Agree());
    }

    private static double[] logSoftmax(float[] logits, int row, int vocab) {
        double max = Double.NEGATIVE_INFINITY;
        for (int v = 0; v < vocab; v++) {
            max = Math.max(max, logits[row * vocab + v]);
        }
        double z = 0;
        for (int v = 0; v < vocab; v++) {
            z += Math.exp(logits[row * vocab + v] - max);
        }
        double[] out = new double[vocab];
        for (int v = 0; v < vocab; v++) {
            out[v] = logits[row * vocab + v] - max - Math.log(z);
        }
        return out;
    }

    private static int argMax(double[] x) {
        int best = 0;
        for (int i = 1; i < x.length; i++) {
            if (x[i] > x[best]) {
                best = i;
            }
        }
        return best;
    }

    /** Saved reference logits give the live reference's result exactly; other tokens or windows are refused. */
    @Test
    void savedReferenceLogitsGiveTheLiveResult(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        long[] ids = ids();
        java.nio.file.Path file = tmp.resolve("ref.safetensors");
        try (LoadedModel ref = LoadedModel.open(GQA, ComputeDevice.CPU); LoadedModel q = quantized(2, 16)) {
            ReferenceLogits.save(ref.model(), PROTOCOL, ids, file, k -> { });
            KlDivergence.Result live = new KlDivergence(PROTOCOL).evaluate(q.model(), ref.model(), ids, k -> { });
            try (ReferenceLogits saved = ReferenceLogits.saved(file, PROTOCOL, ids, q.model().manager())) {
                KlDivergence.Result fromFile = new KlDivergence(PROTOCOL).evaluate(q.model(), saved, ids, k -> { });
                assertEquals(live, fromFile);
            }
            long[] other = ids.clone();
            other[40]++;
            for (Runnable bad : new Runnable[] {
                    () -> ReferenceLogits.saved(file, PROTOCOL, other, q.model().manager()),
                    () -> ReferenceLogits.saved(file, new Perplexity(64, 32), ids, q.model().manager())}) {
                org.lmqt.cli.UserException e = org.junit.jupiter.api.Assertions.assertThrows(
                        org.lmqt.cli.UserException.class, bad::run);
                assertTrue(e.getMessage().contains("reference logits for other"), e.getMessage());
                assertTrue(!e.getMessage().contains("\n"));
            }
        }
    }
}
