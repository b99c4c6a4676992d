package org.lmqt.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.lmqt.TestData;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.Tensor;

/** Reproduces the HQQ golden values that the original fork computed on CPU ({@code ../shared/fixtures/hqq}). */
class HqqGoldenTest {
    private static SafetensorsFile inputs;
    private static SafetensorsFile expected;

    @BeforeAll
    static void open() {
        inputs = SafetensorsFile.open(TestData.shared("fixtures/hqq/inputs.safetensors"));
        expected = SafetensorsFile.open(TestData.shared("fixtures/hqq/expected.safetensors"));
    }

    @AfterAll
    static void close() {
        inputs.close();
        expected.close();
    }

    /** Rows of fnorm.csv: matrix, nbit1, gsize1, fnorm, fnorm_rtn, fnorm_f32. */
    static Stream<Arguments> fnormRows() throws IOException {
        List<String> lines = Files.readAllLines(TestData.shared("fixtures/hqq/fnorm.csv"));
        return lines.stream().skip(1).map(l -> l.split(",")).map(f -> Arguments.of(f[0], Integer.parseInt(f[1]),
                Integer.parseInt(f[2]), Double.parseDouble(f[3]), Double.parseDouble(f[4]), Double.parseDouble(f[5])));
    }

    @ParameterizedTest(name = "{0} b{1}g{2}")
    @MethodSource("fnormRows")
    void frobeniusNormsMatchTheFork(String matrix, int bits, int group, double fnorm, double fnormRtn, double fnormF32) {
        Tensor w = inputs.tensor(matrix);
        QuantizedTensor hqq = Hqq.quantize(w.data(), w.shape(), Hqq.Spec.hqq(bits, group));
        QuantizedTensor rtn = Hqq.quantize(w.data(), w.shape(), Hqq.Spec.rtn(bits, group));
        assertEquals(fnorm, norm(w.data(), hqq.dequantizeHalf()), 1e-4 * fnorm, "HQQ, fp16 dequantization");
        assertEquals(fnormRtn, norm(w.data(), rtn.dequantizeHalf()), 1e-4 * fnormRtn, "RTN, fp16 dequantization");
        assertEquals(fnormF32, norm(w.data(), hqq.dequantizeFloat()), 1e-4 * fnormF32, "HQQ, fp32 dequantization");
    }

    static Stream<Arguments> codeCases() {
        return Stream.of("normal", "outlier", "student", "constgrp")
                .flatMap(m -> Stream.of(Arguments.of(m, 4, 64), Arguments.of(m, 3, 128)));
    }

    @ParameterizedTest(name = "{0} b{1}g{2}")
    @MethodSource("codeCases")
    void codesScalesAndZerosMatchTheFork(String matrix, int bits, int group) {
        Tensor w = inputs.tensor(matrix);
        QuantizedTensor q = Hqq.quantize(w.data(), w.shape(), Hqq.Spec.hqq(bits, group));
        String key = matrix + ".b" + bits + "g" + group;
        long[] codes = expected.longs(key + ".q");
        float[] scale = expected.tensor(key + ".scale").data();
        float[] zero = expected.tensor(key + ".zero").data();
        assertArrayEquals(new int[] {group, w.numel() / group}, expected.entry(key + ".q").shape());
        assertArrayEquals(scale, q.scale(), 0f, "step sizes are min-max, never optimised: bit-exact");
        // the zero update and the stopping error add in PyTorch's order (CascadeSum): zeros and codes bit-exact
        assertArrayEquals(zero, q.zero(), 0f, "zeros");
        long[] ours = new long[codes.length];
        for (int i = 0; i < codes.length; i++) {
            ours[i] = q.code(i);
        }
        assertArrayEquals(codes, ours, "codes");
    }

    private static double norm(float[] w, float[] wq) {
        double sum = 0;
        for (int i = 0; i < w.length; i++) {
            float d = w[i] - wq[i];
            sum += (double) d * d;
        }
        return Math.sqrt(sum);
    }
}
