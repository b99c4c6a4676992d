package org.lmqt.quant.gptq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.SafetensorsWriter;
import org.lmqt.cli.UserException;
import org.lmqt.quant.CalibrationInputs;
import org.lmqt.quant.QuantConfig;

/** GPTQ's degenerate inputs (calib-methods-spec §2.2, §2.6), its linear algebra and its packed format. */
class GptqTest {
    private static final int ROWS = 8;
    private static final int COLS = 64;

    private static float[] gaussian(Random rnd, int n) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) rnd.nextGaussian();
        }
        return v;
    }

    /** Calibration inputs {@code [tokens, COLS]} with input column {@code dead} always 0. */
    private static CalibrationInputs inputs(Random rnd, int tokens, int dead) {
        float[] x = gaussian(rnd, tokens * COLS);
        for (int t = 0; dead >= 0 && t < tokens; t++) {
            x[t * COLS + dead] = 0f;
        }
        return new CalibrationInputs(x, tokens, COLS);
    }

    @Test
    void deadInputIsZeroedButCountsInTheWholeRowRange() {
        Random rnd = new Random(1);
        float[] w = gaussian(rnd, ROWS * COLS);
        for (int r = 0; r < ROWS; r++) {
            w[r * COLS + 5] = 10f + r;                                          // the row's largest value, dead input
        }
        GptqHessian h = GptqHessian.of(inputs(rnd, 256, 5), 64);
        assertEquals(0f, h.values()[5 * COLS + 5]);
        for (boolean perChannel : new boolean[] {false, true}) {
            var q = new GptqQuantizer(GptqOptions.DEFAULT.withPerChannel(perChannel))
                    .quantize(w, new int[] {ROWS, COLS}, new QuantConfig(4, 32), h).matrix();
            float[] deq = q.referenceWeight();
            for (int r = 0; r < ROWS; r++) {
                assertEquals(8, q.code(r, 5), "a dead column's code is the zero point");
                assertEquals(0f, deq[r * COLS + 5]);
            }
            // per channel, the row parameters are taken before the dead column is zeroed: xmax = 10 + r
            if (perChannel) {
                for (int r = 0; r < ROWS; r++) {
                    assertEquals((10f + r - -(10f + r)) / 15, q.scales()[r]);
                }
            } else {
                for (int r = 0; r < ROWS; r++) {
                    assertTrue(q.scales()[r * 2] < 10f / 15, "group 0 no longer sees the dead column's weight");
                }
            }
        }
    }

    @Test
    void perChannelHasOneGroupOfWholeRows() {
        Random rnd = new Random(2);
        float[] w = gaussian(rnd, ROWS * COLS);
        GptqMatrix q = new GptqQuantizer(GptqOptions.DEFAULT.withPerChannel(true).withSeqLen(32))
                .quantize(w, new int[] {ROWS, COLS}, new QuantConfig(3, 32), Optional.of(inputs(rnd, 128, -1)));
        assertEquals(1, q.groups());
        assertArrayEquals(new int[COLS], q.gIdx());
        for (int r = 0; r < ROWS; r++) {
            float max = 0f;
            for (int c = 0; c < COLS; c++) {
                max = Math.max(max, Math.abs(w[r * COLS + c]));
            }
            assertEquals(2 * max / 7, q.scales()[r], 0f);
            assertEquals(4f, q.zeros()[r]);
        }
    }

    @Test
    void asymmetricZerosAndSymmetricNonNegativeRows() {
        Random rnd = new Random(3);
        float[] w = gaussian(rnd, ROWS * COLS);
        for (int c = 0; c < COLS; c++) {
            w[c] = Math.abs(w[c]);                                              // row 0 non-negative
        }
        GptqHessian h = GptqHessian.of(inputs(rnd, 128, -1), 32);
        int[] shape = {ROWS, COLS};
        GptqMatrix asym = new GptqQuantizer(GptqOptions.DEFAULT.withSym(false)).quantize(w, shape,
                new QuantConfig(4, 64), h).matrix();
        GptqMatrix sym = new GptqQuantizer().quantize(w, shape, new QuantConfig(4, 64), h).matrix();
        for (int r = 0; r < ROWS; r++) {
            float min = 0f;
            float max = 0f;
            for (int c = 0; c < COLS; c++) {
                min = Math.min(min, w[r * COLS + c]);
                max = Math.max(max, w[r * COLS + c]);
            }
            float scale = (max - min) / 15;
            assertEquals(scale, asym.scales()[r], 0f);
            assertEquals((float) Math.rint(-min / scale), asym.zeros()[r], 0f, "zero = round(-xmin / scale)");
            // symmetric: xmin = -xmax only if xmin < 0; the non-negative row keeps [0, xmax] around the zero 8
            float symScale = r == 0 ? max / 15 : 2 * Math.max(max, -min) / 15;
            assertEquals(symScale, sym.scales()[r], 0f);
            assertEquals(8f, sym.zeros()[r]);
        }
        // a non-negative row's asymmetric zero: -0.0 (round(-0.0 / s), as in PyTorch)
        assertEquals(0f, asym.zeros()[0], 0f);
        float[] deq = sym.referenceWeight();
        float clip = 7 * sym.scales()[0];
        for (int c = 0; c < COLS; c++) {
            assertTrue(deq[c] <= clip, "codes above maxq clip to 15: at most 7 steps above zero");
        }
    }

    @Test
    void calibrationInputsAreRequired() {
        var e = assertThrows(UserException.class, () -> new GptqQuantizer().quantize(new float[ROWS * COLS],
                new int[] {ROWS, COLS}, new QuantConfig(4, 64), Optional.empty()));
        assertTrue(e.getMessage().contains("calibration inputs"), e.getMessage());
        assertThrows(UserException.class, () -> new GptqQuantizer().quantize(new float[ROWS * COLS],
                new int[] {ROWS, COLS}, new QuantConfig(5, 64), GptqHessian.of(inputs(new Random(0), 8, -1), 8)));
    }

    @Test
    void nanInTheHessianFailsTheCholesky() {
        float[] h = GptqHessian.of(inputs(new Random(4), 128, -1), 64).values();
        h[3 * COLS + 3] = Float.NaN;
        assertThrows(ArithmeticException.class, () -> Gptq.fasterquant(new float[ROWS * COLS], ROWS, COLS, h, 4, 32,
                GptqOptions.DEFAULT));
    }

    /** U of a random SPD matrix of a size no block divides: Uᵀ U H = I to float32 accuracy. */
    @Test
    void upperFactorOfTheInverse() {
        int n = 300;
        Random rnd = new Random(5);
        float[] x = gaussian(rnd, 2 * n * n);                                   // [2n, n]
        double[] a = new double[n * n];                                         // [n, n] XᵀX / 2n + I/10
        for (int t = 0; t < 2 * n; t++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    a[i * n + j] += (double) x[t * n + i] * x[t * n + j] / (2 * n);
                }
            }
        }
        float[] h = new float[n * n];
        for (int i = 0; i < n * n; i++) {
            h[i] = (float) (a[i] + (i % (n + 1) == 0 ? 0.1 : 0));
        }
        float[] hf = h.clone();
        float[] u = HessianInverse.upperFactorOfInverse(h, n);
        double[] hinv = new double[n * n];                                      // [n, n] Uᵀ U
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertTrue(i <= j || u[i * n + j] == 0f, "U is upper triangular");
                for (int l = 0; l <= Math.min(i, j); l++) {
                    hinv[i * n + j] += (double) u[l * n + i] * u[l * n + j];
                }
            }
        }
        double worst = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;                                                   // (Uᵀ U H)[i, j]
                for (int k = 0; k < n; k++) {
                    s += hinv[i * n + k] * hf[k * n + j];
                }
                worst = Math.max(worst, Math.abs(s - (i == j ? 1 : 0)));
            }
        }
        assertTrue(worst < 1e-4, "Uᵀ U H - I is " + worst);
    }

    /** 3 bits: 32 values in 3 words, values 10 and 21 split across words (calib-methods-spec §2.5). */
    @Test
    void threeBitPackingSplitsValuesAcrossWords() {
        int[] v = new int[32];
        v[10] = 0b101;
        v[21] = 0b011;
        v[31] = 0b111;
        int[] words = GptqMatrix.packRows(v, 32, 1, 3);
        assertArrayEquals(new int[] {0b01 << 30, 0b1 | (0b1 << 31), 0b01 | (0b111 << 29)}, words);
    }

    /**
     * {@link GptqMatrix#read} inverts {@link GptqMatrix#writeTo} for every width, symmetric and asymmetric, with
     * act-order group indices; an asymmetric zero of 0, which v1 stores as -1, reads back as {@code maxq + 1}, as
     * every v1 reader (AutoGPTQ, transformers) computes it.
     */
    @Test
    void readInvertsWriteTo(@TempDir Path dir) throws Exception {
        Random rnd = new Random(9);
        int rows = 32;
        float[] w = gaussian(rnd, rows * COLS);
        for (int c = 0; c < COLS; c++) {
            w[5 * COLS + c] = Math.abs(w[5 * COLS + c]);   // a non-negative row: its asymmetric zero is 0
        }
        GptqHessian h = GptqHessian.of(inputs(rnd, 128, -1), 64);
        for (int bits : new int[] {2, 3, 4, 8}) {
            for (boolean sym : new boolean[] {true, false}) {
                GptqMatrix q = new GptqQuantizer(GptqOptions.DEFAULT.withSym(sym).withDescAct(true))
                        .quantize(w, new int[] {rows, COLS}, new QuantConfig(bits, 32), h).matrix();
                Path model = java.nio.file.Files.createDirectories(dir.resolve("m" + bits + sym));
                var writer = new SafetensorsWriter();
                q.writeTo(writer, "m");
                writer.write(model.resolve("model.safetensors"));
                java.nio.file.Files.copy(org.lmqt.TestData.shared("fixtures/llama/tiny-llama-gqa-bf16/config.json"),
                        model.resolve("config.json"));
                GptqMatrix back;
                try (org.lmqt.checkpoint.Checkpoint ckpt = org.lmqt.checkpoint.Checkpoint.open(model)) {
                    back = GptqMatrix.read(new org.lmqt.checkpoint.StoredTensors(ckpt), "m", bits, 32, sym, false);
                }
                String what = bits + " bits, sym " + sym;
                assertArrayEquals(q.codes(), back.codes(), what);
                assertArrayEquals(q.gIdx(), back.gIdx(), what);
                int maxq = (1 << bits) - 1;
                boolean sawZeroZero = false;
                for (int i = 0; i < q.zeros().length; i++) {
                    assertEquals(org.lmqt.checkpoint.Floats.toHalf(q.scales()[i]), back.scales()[i], what);
                    boolean zeroZero = q.zeros()[i] == 0;
                    sawZeroZero |= zeroZero;
                    assertEquals(zeroZero ? maxq + 1 : q.zeros()[i], back.zeros()[i], what + " zero " + i);
                }
                assertEquals(!sym, sawZeroZero, what + ": the non-negative row's zero");
            }
        }
    }

    @Test
    void writeToStoresAutoGptqTensors(@TempDir Path dir) {
        Random rnd = new Random(6);
        int rows = 32;
        float[] w = gaussian(rnd, rows * COLS);
        GptqHessian h = GptqHessian.of(inputs(rnd, 128, -1), 64);
        for (int bits : new int[] {2, 3, 4, 8}) {
            for (boolean sym : new boolean[] {true, false}) {
                GptqMatrix q = new GptqQuantizer(GptqOptions.DEFAULT.withSym(sym).withDescAct(true))
                        .quantize(w, new int[] {rows, COLS}, new QuantConfig(bits, 32), h).matrix();
                Path file = dir.resolve("q" + bits + sym + ".safetensors");
                var writer = new SafetensorsWriter();
                q.writeTo(writer, "m");
                writer.write(file);
                try (SafetensorsFile f = SafetensorsFile.open(file)) {
                    assertArrayEquals(new int[] {COLS * bits / 32, rows}, f.entry("m.qweight").shape());
                    assertArrayEquals(new int[] {2, rows * bits / 32}, f.entry("m.qzeros").shape());
                    long[] qweight = f.longs("m.qweight");
                    long[] qzeros = f.longs("m.qzeros");
                    int maxq = (1 << bits) - 1;
                    for (int r = 0; r < rows; r++) {
                        for (int c = 0; c < COLS; c++) {
                            assertEquals(q.code(r, c), bitsAt(qweight, rows, r, c, bits), "code " + r + "," + c);
                        }
                        for (int k = 0; k < 2; k++) {
                            int zero = (int) q.zeros()[r * 2 + k];
                            assertEquals((zero - 1) & maxq, bitsAt(qzeros, 1, 0, k * rows + r, bits), "zero - 1");
                        }
                    }
                    float[] scales = f.tensor("m.scales").data();
                    assertEquals(org.lmqt.checkpoint.Floats.toHalf(q.scales()[3 * 2 + 1]), scales[rows + 3]);
                    long[] gIdx = f.longs("m.g_idx");
                    for (int c = 0; c < COLS; c++) {
                        assertEquals(q.gIdx()[c], gIdx[c]);
                    }
                    long bytes = 0;
                    for (var e : f.entries().values()) {
                        bytes += e.end() - e.begin();
                    }
                    assertEquals(bytes, q.storageBytes());
                }
            }
        }
    }

    /** Value {@code i} of column {@code j} of a word matrix {@code [*, m]}, read from its little-endian bit stream. */
    private static int bitsAt(long[] words, int m, int j, int i, int bits) {
        int v = 0;
        for (int b = 0; b < bits; b++) {
            long bit = (long) i * bits + b;
            long word = words[(int) (bit / 32) * m + j] & 0xffffffffL;
            v |= (int) ((word >>> (bit % 32)) & 1) << b;
        }
        return v;
    }
}
