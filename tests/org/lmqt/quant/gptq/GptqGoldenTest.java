package org.lmqt.quant.gptq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.lmqt.TestData;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.Tensor;
import org.lmqt.quant.CalibrationInputs;
import org.lmqt.quant.QuantConfig;

/** AutoGPTQ's {@code add_batch} and {@code fasterquant} against the goldens in {@code ../shared/fixtures/gptq}. */
class GptqGoldenTest {
    private static final String DIR = "fixtures/gptq/";
    private static final Map<String, SafetensorsFile> FILES = new ConcurrentHashMap<>();

    @BeforeAll
    static void open() {
        for (String c : List.of("attn", "mlp")) {
            FILES.put("inputs-" + c, SafetensorsFile.open(TestData.shared(DIR + "inputs-" + c + ".safetensors")));
            FILES.put("expected-" + c, SafetensorsFile.open(TestData.shared(DIR + "expected-" + c + ".safetensors")));
        }
    }

    @AfterAll
    static void close() {
        FILES.values().forEach(SafetensorsFile::close);
    }

    private static SafetensorsFile inputs(String c) {
        return FILES.get("inputs-" + c);
    }

    private static SafetensorsFile expected(String c) {
        return FILES.get("expected-" + c);
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"attn", "mlp"})
    void hessianIsAddBatchPerSequence(String c) {
        Tensor x = inputs(c).tensor(c + ".X");                                  // [nseq, seqlen, in]
        int[] s = x.shape();
        GptqHessian h = GptqHessian.of(new CalibrationInputs(x.data(), s[0] * s[1], s[2]), s[1]);
        float[] expected = inputs(c).tensor(c + ".H").data();                   // [in, in]
        float max = 0f;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        assertEquals(s[0], h.sequences());
        assertArrayEquals(expected, h.values(), 1e-6f * max);
    }

    /** The libtorch path the block-wise GPTQ takes: one matmul per sequence, within the same 1e-6 of max|H|. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"attn", "mlp"})
    void hessianOnTheDeviceIsAddBatchPerSequence(String c) {
        Tensor x = inputs(c).tensor(c + ".X");                                  // [nseq, seqlen, in]
        int[] s = x.shape();
        GptqHessian h = new GptqHessian(s[2]);
        try (ai.djl.ndarray.NDManager nd = ai.djl.ndarray.NDManager.newBaseManager(ai.djl.Device.cpu())) {
            ai.djl.ndarray.NDArray all = nd.create(x.data(), new ai.djl.ndarray.types.Shape(s[0], s[1], s[2]));
            for (int q = 0; q < s[0]; q++) {
                h.addSequence(all.get(q));                                       // [seqlen, in]
            }
        }
        float[] expected = inputs(c).tensor(c + ".H").data();                   // [in, in]
        float max = 0f;
        for (float v : expected) {
            max = Math.max(max, Math.abs(v));
        }
        assertEquals(s[0], h.sequences());
        assertArrayEquals(expected, h.values(), 1e-6f * max);
    }

    /** Rows of metrics.csv: case, config, bits, group, desc_act, static, sym, err_out. */
    static Stream<Arguments> configs() throws IOException {
        List<String> lines = Files.readAllLines(TestData.shared(DIR + "metrics.csv"));
        return lines.stream().skip(1).map(l -> l.split(",")).map(f -> Arguments.of(f[0], f[1],
                Integer.parseInt(f[2]), Integer.parseInt(f[3]), Boolean.parseBoolean(f[4].toLowerCase()),
                Boolean.parseBoolean(f[5].toLowerCase()), Boolean.parseBoolean(f[6].toLowerCase()),
                Double.parseDouble(f[7])));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("configs")
    void fasterquantMatchesAutoGptq(String c, String config, int bits, int group, boolean act, boolean stat,
                                    boolean sym, double errOut) {
        Tensor w = inputs(c).tensor(c + ".W");                                  // [out, in]
        float[] h = inputs(c).tensor(c + ".H").data();                          // [in, in]
        int out = w.rows();
        int in = w.cols();
        GptqOptions o = GptqOptions.DEFAULT.withSym(sym).withDescAct(act).withStaticGroups(stat)
                .withPerChannel(group == -1);
        Gptq.Result res = Gptq.fasterquant(w.data(), out, in, h, bits, group, o);
        GptqMatrix m = res.matrix();
        String key = c + "." + config;
        SafetensorsFile e = expected(c);

        long[] codes = e.longs(key + ".codes");                                 // [out, in]
        int mismatched = 0;
        int rowsDiffering = 0;
        for (int r = 0; r < out; r++) {
            boolean differs = false;
            for (int col = 0; col < in; col++) {
                if (m.code(r, col) != codes[r * in + col]) {
                    mismatched++;
                    differs = true;
                }
            }
            rowsDiffering += differs ? 1 : 0;
        }
        System.out.printf("GPTQ golden %s %s: %d of %d codes differ (%d rows)%n", c, config, mismatched, codes.length,
                rowsDiffering);
        // measured: all equal except one row of mlp b3g64 (a near-tie that cascades along the row); the README's floor
        assertTrue(mismatched <= codes.length / 100 && rowsDiffering <= 2, mismatched + " codes in " + rowsDiffering
                + " rows differ");

        // g_idx and perm exactly
        long[] gIdx = e.longs(key + ".g_idx");
        for (int col = 0; col < in; col++) {
            assertEquals(gIdx[col], m.gIdx()[col], "g_idx of column " + col);
        }
        if (act) {
            long[] perm = e.longs(key + ".perm");
            for (int p = 0; p < in; p++) {
                assertEquals(perm[p], res.perm()[p], "perm at " + p);
            }
        }

        // scales and zeros; later dynamic groups come from weights updated through U, whose float32 rounding is not
        // LAPACK's, so they agree to a few ulps
        float[] scale = e.tensor(key + ".scale").data();                       // [out, groups]
        float[] zero = e.tensor(key + ".zero").data();                         // [out, groups]
        assertEquals(scale.length, m.scales().length, "groups");
        assertArrayEquals(zero, m.zeros(), 0f, "zeros");
        int groups = m.groups();
        int scaleDiff = 0;
        for (int i = 0; i < scale.length; i++) {
            scaleDiff += scale[i] == m.scales()[i] ? 0 : 1;
        }
        System.out.printf("GPTQ scales %s %s: %d of %d not bit-equal%n", c, config, scaleDiff, scale.length);
        for (int r = 0; r < out; r++) {
            // the first group, static groups and gall come from unmodified weights: bit-exact
            int exact = stat || group == -1 ? groups : 1;
            for (int k = 0; k < groups; k++) {
                float tol = k < exact ? 0f : 1e-5f * Math.abs(scale[r * groups + k]);
                assertEquals(scale[r * groups + k], m.scales()[r * groups + k], tol, "scale " + r + "," + k);
            }
        }

        // Q = scale[:, g_idx] * (codes - zero[:, g_idx]): with the reference's scales the reference's weight bit for
        // bit, with ours to the scales' few ulps
        float[] q = m.referenceWeight();
        if (config.equals("b4g128-act")) {
            float[] expectedQ = e.tensor(key + ".Q").data();
            float[] withTheirScales = new GptqMatrix(m.shape(), bits, group, sym, m.codes(), scale, zero, m.gIdx())
                    .referenceWeight();
            assertArrayEquals(expectedQ, withTheirScales, 0f, "Q from our codes and the reference's scales");
            for (int i = 0; i < q.length; i++) {
                assertEquals(expectedQ[i], q[i], 1e-5f * Math.abs(expectedQ[i]), "Q at " + i);
            }
        }
        Tensor x = inputs(c).tensor(c + ".X");
        assertEquals(errOut, outputError(x.data(), x.numel() / in, w.data(), q, out, in), 1e-2 * errOut, "err_out");
    }

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"attn", "mlp"})
    void quantizerFromCalibrationInputsMatchesOnOwnHessian(String c) {
        Tensor w = inputs(c).tensor(c + ".W");
        Tensor x = inputs(c).tensor(c + ".X");
        int[] s = x.shape();
        var calib = new CalibrationInputs(x.data(), s[0] * s[1], s[2]);
        var quantizer = new GptqQuantizer(GptqOptions.DEFAULT.withSeqLen(s[1]));
        GptqMatrix m = quantizer.quantize(w.data(), w.shape(), new QuantConfig(4, 128), Optional.of(calib));
        long[] codes = expected(c).longs(c + ".b4g128.codes");
        int mismatched = 0;
        for (int i = 0; i < codes.length; i++) {
            mismatched += (m.codes()[i] & 0xff) == codes[i] ? 0 : 1;
        }
        System.out.printf("GPTQ golden %s b4g128 on lmqt's H: %d of %d codes differ%n", c, mismatched, codes.length);
        assertTrue(mismatched <= codes.length / 100, mismatched + " codes differ");
    }

    /** {@code ||X Wᵀ - X Qᵀ||_F} in float64 over all tokens. */
    static double outputError(float[] x, int tokens, float[] w, float[] q, int out, int in) {
        double sum = 0;
        for (int t = 0; t < tokens; t++) {
            for (int r = 0; r < out; r++) {
                double d = 0;
                for (int k = 0; k < in; k++) {
                    d += (double) x[t * in + k] * ((double) w[r * in + k] - q[r * in + k]);
                }
                sum += d * d;
            }
        }
        return Math.sqrt(sum);
    }
}
