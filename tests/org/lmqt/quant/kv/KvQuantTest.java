package org.lmqt.quant.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDScope;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.DType;
import org.lmqt.checkpoint.TinyLlama;
import org.lmqt.device.ComputeDevice;
import org.lmqt.model.KvCache;
import org.lmqt.model.KvPolicy;
import org.lmqt.model.LoadedModel;

/** KVQuant's simulated quantization: properties that fail when the method is wrong (no golden exists). */
class KvQuantTest {
    static {
        System.setProperty("lmqt.threads", "1");
    }

    @TempDir
    Path tmp;

    /** Heavy-tailed rows {@code [t, f]}: Gaussian times a log-normal scale per element (kurtosis well above 3). */
    private static float[] heavyTailed(int t, int f, long seed) {
        Random r = new Random(seed);
        float[] x = new float[t * f];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (r.nextGaussian() * Math.exp(r.nextGaussian()));
        }
        return x;
    }

    private static float[] uniformCodebook(int bits) {
        int k = 1 << bits;
        float[] c = new float[k];
        for (int j = 0; j < k; j++) {
            c[j] = -1 + 2f * j / (k - 1);
        }
        return c;
    }

    private static double mse(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (a[i] - b[i]) * (double) (a[i] - b[i]);
        }
        return s / a.length;
    }

    @Test
    void kMeansFindsSeparatedClustersAndIsSeeded() {
        Random r = new Random(0);
        float[] x = new float[4000];
        float[] centres = {-3, -1, 0.5f, 2};
        for (int i = 0; i < x.length; i++) {
            x[i] = centres[i % 4] + (float) (0.05 * r.nextGaussian());
        }
        float[] c = KMeans1d.fit(x, 4, 50, 0);
        for (int j = 0; j < 4; j++) {
            assertEquals(centres[j], c[j], 0.01, "centroid " + j);
        }
        assertArrayEquals(c, KMeans1d.fit(x, 4, 50, 0));
    }

    @Test
    void nonUniformCodebookBeatsUniformLevelsOnHeavyTailedKeys() {
        int t = 400;
        int f = 16;
        float[] x = heavyTailed(t, f, 1);
        // per-channel 0.5/99.5 percentile thresholds and the codebook of the normalised inliers
        float[] upper = new float[f];
        float[] lower = new float[f];
        List<Float> inliers = new ArrayList<>();
        for (int c = 0; c < f; c++) {
            float[] col = new float[t];
            for (int r = 0; r < t; r++) {
                col[r] = x[r * f + c];
            }
            Arrays.sort(col);
            upper[c] = KvQuantQuantizer.quantile(col, 0.995);
            lower[c] = KvQuantQuantizer.quantile(col, 0.005);
            for (int r = 0; r < t; r++) {
                float n = (x[r * f + c] - (upper[c] + lower[c]) / 2) / ((upper[c] - lower[c]) / 2);
                if (Math.abs(n) <= 1) {
                    inliers.add(n);
                }
            }
        }
        float[] in = new float[inliers.size()];
        for (int i = 0; i < in.length; i++) {
            in[i] = inliers.get(i);
        }
        float[] nuq = KMeans1d.fit(in, 8, 50, 0);
        float[] withNuq = KvQuantQuantizer.keys(x, t, f, upper, lower, nuq, 0);
        float[] withUniform = KvQuantQuantizer.keys(x, t, f, upper, lower, uniformCodebook(3), 0);
        assertTrue(mse(x, withNuq) < 0.8 * mse(x, withUniform),
                "NUQ " + mse(x, withNuq) + " vs uniform " + mse(x, withUniform));
        // outliers (outside the thresholds) are kept (x - offset + offset: exact up to one float rounding)
        int outliers = 0;
        for (int r = 0; r < t; r++) {
            for (int c = 0; c < f; c++) {
                int i = r * f + c;
                if (x[i] < lower[c] || x[i] > upper[c]) {
                    outliers++;
                    float off = (upper[c] + lower[c]) / 2;
                    assertEquals(x[i], withNuq[i], Math.ulp(Math.max(Math.abs(x[i]), Math.abs(off))));
                } else {
                    // inliers land on the codebook
                    float v = (withNuq[i] - (upper[c] + lower[c]) / 2) / ((upper[c] - lower[c]) / 2);
                    float nearest = KvQuantQuantizer.nearest(nuq, v);
                    assertEquals(nearest, v, 1e-4);
                }
            }
        }
        assertTrue(outliers > 0 && outliers < 0.03 * t * f, outliers + " outliers");
    }

    @Test
    void valuesKeepTheFirstRowAndEachTokensExtremesExact() {
        int t = 6;
        int f = 64;
        float[] x = heavyTailed(t, f, 2);
        float[] y = KvQuantQuantizer.values(x, t, f, uniformCodebook(2), 0.995, 1);
        assertArrayEquals(Arrays.copyOf(x, f), Arrays.copyOf(y, f), "first token exact");
        for (int r = 1; r < t; r++) {
            float[] row = Arrays.copyOfRange(x, r * f, (r + 1) * f);
            float[] out = Arrays.copyOfRange(y, r * f, (r + 1) * f);
            int argMax = 0;
            int argMin = 0;
            for (int c = 0; c < f; c++) {
                argMax = row[c] > row[argMax] ? c : argMax;
                argMin = row[c] < row[argMin] ? c : argMin;
            }
            float tol = 4 * Math.ulp(Math.abs(row[argMax]) + Math.abs(row[argMin]));
            assertEquals(row[argMax], out[argMax], tol, "token max is an outlier");
            assertEquals(row[argMin], out[argMin], tol, "token min is an outlier");
            assertTrue(mse(row, out) > 0, "the rest is quantized");
        }
    }

    @Test
    void calibratedOnATinyModelItQuantizesPromptTokensAfterTheFirst() {
        Path dir = tmp.resolve("tiny");
        new TinyLlama(2, 256, 512, 4, 2, 512, 512, 10000.0, false, DType.BF16, 3).write(dir);
        try (LoadedModel m = LoadedModel.open(dir.toString(), ComputeDevice.CPU)) {
            Random r = new Random(0);
            long[] text = new long[300];
            for (int i = 0; i < text.length; i++) {
                text[i] = r.nextInt(512);
            }
            KvQuantPolicy p = KvQuantCalibration.calibrate(m.model(), KvQuantCalibration.windows(text, 4, 64),
                    KvQuantPolicy.parse("kvquant2"), 0);
            assertEquals(2, p.layers().size());
            for (KvQuantLayer l : p.layers()) {
                assertEquals(4, l.keyCodebook().length);
                assertEquals(4, l.valueCodebook().length);
                assertEquals(128, l.keyUpper().length);   // 2 KV heads x 64
                for (int c = 0; c < 128; c++) {
                    assertTrue(l.keyLower()[c] < l.keyUpper()[c]);
                }
                for (float c : l.keyCodebook()) {
                    assertTrue(Math.abs(c) <= 1, "centroids of normalised inliers lie in [-1, 1]");
                }
            }
            assertThrows(IllegalStateException.class, () -> KvQuantPolicy.parse("kvquant4").newLayer(0, m.model().manager()));
            long[] prompt = Arrays.copyOf(text, 40);
            float[] exact = m.model().logits(prompt);
            m.model().setKvPolicy(p);
            try (NDScope scope = new NDScope(); KvCache q = m.model().newCache()) {
                float[] quant = m.model().logits(prompt);
                assertTrue(!Arrays.equals(exact, quant), "prefill_with_quant changes the logits");
                m.model().forward(prompt, q);
                m.model().forward(new long[] {5}, q);
                m.model().setKvPolicy(KvPolicy.EXACT);
                try (KvCache e = m.model().newCache()) {
                    m.model().forward(prompt, e);
                    m.model().forward(new long[] {5}, e);
                    for (int layer = 0; layer < 2; layer++) {
                        NDArray[] qa = q.contents(layer);
                        NDArray[] ea = e.contents(layer);
                        // the prompt's first token and, in layer 0 (whose input does not depend on the cache), the
                        // decoded one (a call of one row) stay exact
                        for (String pos : layer == 0 ? new String[] {"0:1", "40:41"} : new String[] {"0:1"}) {
                            String ix = ":, " + pos + ", :";
                            assertArrayEquals(ea[0].get(ix).toFloatArray(), qa[0].get(ix).toFloatArray(), 1e-6f);
                            assertArrayEquals(ea[1].get(ix).toFloatArray(), qa[1].get(ix).toFloatArray());
                        }
                        // prompt tokens 2..40 are quantized
                        assertTrue(!Arrays.equals(ea[0].get(":, 1:40, :").toFloatArray(), qa[0].get(":, 1:40, :").toFloatArray()));
                        assertTrue(!Arrays.equals(ea[1].get(":, 1:40, :").toFloatArray(), qa[1].get(":, 1:40, :").toFloatArray()));
                    }
                }
            } finally {
                m.model().setKvPolicy(KvPolicy.EXACT);
            }
        }
    }
}
