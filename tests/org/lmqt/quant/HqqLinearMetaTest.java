package org.lmqt.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.util.Arrays;
import java.util.Random;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.lmqt.TestData;
import org.lmqt.checkpoint.SafetensorsFile;
import org.lmqt.checkpoint.Tensor;

/**
 * Pins {@link HqqLinear#quantize}'s meta quantization bit for bit against an independent reference of the fork's
 * {@code HQQLinear.quantize} (lmqt-spec 4.1.2, 4.1.3, 4.3), written here in float32 as PyTorch evaluates the
 * fork's expressions, with fp16 rounding by {@link Float#floatToFloat16}:
 * <ul>
 * <li>weight codes: {@code round_zero} exactly for 4 bits (checked independently with RTN, and for HQQ against
 *     the optimiser started from a rounded zero); the min-max step size is never optimised;</li>
 * <li>step sizes {@code [1, M]}: RTN with {@code b2} bits in groups of {@code g2} along axis 0 (the {@code [g2, M/g2]}
 *     strided view), no {@code round_zero};</li>
 * <li>zeros {@code [1, M]}: RTN with 8 bits and one global min/max ({@code channel_wise=False});</li>
 * <li>every meta value (the step sizes' and zeros' own step and zero) rounded to fp16, and the deployed weight
 *     {@code ((W_q - zero) * scale)} with {@code zero = (zero_q - z_z) * s_z} and
 *     {@code scale = (scale_q - z_s) * s_s}, each operation rounded to fp16.</li>
 * </ul>
 * On random matrices (RTN and HQQ) and on the HQQ fixture's matrices ({@code ../shared/fixtures/hqq}), whose
 * step sizes the fork computed: those feed the scale reference directly. {@link HqqLinearTest} covers error sizes
 * and the packed round trip; {@link HqqGoldenTest} the weight codes, steps and zeros of the plain quantizer.
 */
class HqqLinearMetaTest {
    // ---------------------------------------------------------------------------------------------------------
    // the reference

    /** One fp16 rounding (an fp16 tensor, or one fp16 arithmetic result). */
    static float half(float x) {
        return Float.float16ToFloat(Float.floatToFloat16(x));
    }

    /** Codes, step sizes (1/s) and zeros of a min-max quantization, float32. */
    record Rtn(byte[] codes, float[] step, float[] zero) {}

    /**
     * The fork's {@code Quantizer.quantize(optimize=False)} of {@code v} viewed as {@code [group, n/group]}
     * (group {@code c} = flat indices {@code c, c + cols, ...}): {@code s = qmax / (max - min)}, which PyTorch
     * evaluates as {@code reciprocal(max - min) * qmax}, clamped at 2e4; {@code z = -min * s}, {@code rint} when
     * {@code roundZero}; codes {@code round(v * s + z).clamp(0, qmax)}; stored scale {@code 1 / s}.
     */
    static Rtn rtn(float[] v, int bits, int group, boolean roundZero) {
        int cols = v.length / group;
        float qmax = (1 << bits) - 1;
        byte[] codes = new byte[v.length];
        float[] step = new float[cols];
        float[] zero = new float[cols];
        for (int c = 0; c < cols; c++) {
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (int f = c; f < v.length; f += cols) {
                lo = Math.min(lo, v[f]);
                hi = Math.max(hi, v[f]);
            }
            float recip = 1f / (hi - lo);
            float s = recip * qmax;
            if (s > 2e4f) {
                s = 2e4f;
            }
            float z = -lo * s;
            if (roundZero) {
                z = (float) Math.rint(z);
            }
            for (int f = c; f < v.length; f += cols) {
                float x = (float) Math.rint(v[f] * s + z);
                codes[f] = (byte) (int) Math.max(0f, Math.min(qmax, x));
            }
            step[c] = 1f / s;
            zero[c] = z;
        }
        return new Rtn(codes, step, zero);
    }

    /** A meta quantization as deployed: codes, and its step and zero cast to fp16. */
    static Rtn meta(float[] v, int bits, int group) {
        Rtn r = rtn(v, bits, group, false);
        float[] s = r.step().clone();
        float[] z = r.zero().clone();
        for (int i = 0; i < s.length; i++) {
            s[i] = half(s[i]);
            z[i] = half(z[i]);
        }
        return new Rtn(r.codes(), s, z);
    }

    /** {@code (q - zero) * step} per element, fp16 arithmetic, where element {@code f} uses meta {@code f % cols}. */
    static float[] dequantHalf(byte[] q, float[] step, float[] zero) {
        int cols = step.length;
        float[] out = new float[q.length];
        for (int f = 0; f < q.length; f++) {
            out[f] = half(half((q[f] & 0xff) - zero[f % cols]) * step[f % cols]);
        }
        return out;
    }

    /**
     * Checks a quantized linear's meta tensors and deployed weight against the reference, given its weight codes,
     * the step sizes and the zeros that feed the meta quantization.
     */
    static void checkMeta(HqqLinear q, float[] steps, float[] zeros, String what) {
        QuantConfig c = q.config();
        int m = steps.length;
        Rtn scaleMeta = meta(steps, c.metaBits(), c.metaGroup());
        Rtn zeroMeta = meta(zeros, 8, m);
        QuantizedTensor s = q.scales();
        assertEquals(c.metaBits(), s.bits(), what);
        assertEquals(c.metaGroup(), s.group(), what);
        assertArrayEquals(new int[] {1, m}, s.shape(), what);
        assertArrayEquals(scaleMeta.codes(), s.codes(), what + ": step-size codes");
        assertArrayEquals(scaleMeta.step(), s.scale(), what + ": step sizes' fp16 steps");
        assertArrayEquals(scaleMeta.zero(), s.zero(), what + ": step sizes' fp16 zeros");
        QuantizedTensor z = q.zeros();
        assertEquals(8, z.bits(), what);
        assertArrayEquals(new int[] {1, m}, z.shape(), what);
        assertArrayEquals(zeroMeta.codes(), z.codes(), what + ": zero codes");
        assertArrayEquals(zeroMeta.step(), z.scale(), what + ": zeros' fp16 step (one, global)");
        assertArrayEquals(zeroMeta.zero(), z.zero(), what + ": zeros' fp16 zero (one, global)");
        // the deployed weight: meta dequantized in fp16, then the weight in fp16
        float[] step = dequantHalf(scaleMeta.codes(), scaleMeta.step(), scaleMeta.zero());   // [M]
        float[] zero = dequantHalf(zeroMeta.codes(), zeroMeta.step(), zeroMeta.zero());      // [M]
        float[] w = dequantHalf(q.weight().codes(), step, zero);                             // [out, in]
        assertArrayEquals(w, q.dequantize(), what + ": deployed weight");
    }

    // ---------------------------------------------------------------------------------------------------------
    // random matrices

    static final int OUT = 256;
    static final int IN = 128;

    /** {@code [256, 128]} N(0, 0.02^2) with a few outlier input columns, so step sizes vary widely. */
    static float[] weights(long seed) {
        Random r = new Random(seed);
        float[] w = new float[OUT * IN];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * 0.02);
        }
        for (int k = 0; k < 3; k++) {
            int col = r.nextInt(IN);
            for (int row = 0; row < OUT; row++) {
                w[row * IN + col] *= 10;
            }
        }
        return w;
    }

    @ParameterizedTest(name = "{0} b{1}g{2} meta {3}/{4}")
    @CsvSource({"RTN,4,64,8,128", "RTN,3,128,8,128", "RTN,2,32,8,128", "RTN,3,32,4,64",
                "HQQ,4,64,8,128", "HQQ,3,128,8,128", "HQQ,2,32,8,128", "HQQ,4,32,6,32"})
    void randomMatrices(QuantMethod method, int bits, int group, int metaBits, int metaGroup) {
        float[] w = weights(bits * 1000L + group);
        int[] shape = {OUT, IN};
        QuantConfig config = new QuantConfig(bits, group, metaBits, metaGroup);
        HqqLinear q = HqqLinear.quantize(w, shape, config, method);
        Rtn minMax = rtn(w, bits, group, bits == 4);   // round_zero exactly for 4-bit deployment
        assertArrayEquals(minMax.step(), q.weight().scale(), "the min-max step size is never optimised");
        if (method == QuantMethod.RTN) {
            assertArrayEquals(minMax.codes(), q.weight().codes(), "RTN codes");
            assertArrayEquals(minMax.zero(), q.weight().zero(), "RTN zeros (rounded for 4 bits only)");
        } else {
            checkHqqRoundZero(w, shape, bits, group, q);
        }
        checkMeta(q, q.weight().scale(), q.weight().zero(), method + " " + config);
    }

    /** HQQ's optimiser starts from a rounded zero for 4 bits only (the fork's {@code round_zero: nbits == 4}). */
    private static void checkHqqRoundZero(float[] w, int[] shape, int bits, int group, HqqLinear q) {
        QuantizedTensor deployed = Hqq.quantize(w, shape, Hqq.Spec.hqq(bits, group).withRoundZero(bits == 4));
        QuantizedTensor other = Hqq.quantize(w, shape, Hqq.Spec.hqq(bits, group).withRoundZero(bits != 4));
        assertArrayEquals(deployed.codes(), q.weight().codes(), "HQQ codes");
        assertArrayEquals(deployed.zero(), q.weight().zero(), "HQQ zeros");
        assertFalse(Arrays.equals(other.zero(), q.weight().zero()), "round_zero makes a difference here");
    }

    // ---------------------------------------------------------------------------------------------------------
    // the HQQ fixture's matrices

    static Stream<Arguments> fixtureCases() {
        return Stream.of("normal", "outlier", "student", "constgrp").flatMap(m -> Stream.of(
                Arguments.of(m, 4, 64), Arguments.of(m, 3, 128), Arguments.of(m, 2, 32)));
    }

    @ParameterizedTest(name = "{0} b{1}g{2}")
    @MethodSource("fixtureCases")
    void fixtureMatrices(String matrix, int bits, int group) {
        try (SafetensorsFile inputs = SafetensorsFile.open(TestData.shared("fixtures/hqq/inputs.safetensors"));
             SafetensorsFile expected = SafetensorsFile.open(TestData.shared("fixtures/hqq/expected.safetensors"))) {
            checkFixture(inputs.tensor(matrix), bits, group, matrix + ".b" + bits + "g" + group, expected);
        }
    }

    private static void checkFixture(Tensor w, int bits, int group, String key, SafetensorsFile expected) {
        QuantConfig config = new QuantConfig(bits, group);
        HqqLinear q = HqqLinear.quantize(w.data(), w.shape(), config, QuantMethod.HQQ);
        float[] steps = q.weight().scale();
        if (expected.contains(key + ".scale")) {
            // the fork's step sizes (round_zero does not change min-max steps): the scale reference's input
            steps = expected.tensor(key + ".scale").data();
            assertArrayEquals(steps, q.weight().scale(), "step sizes as the fork computed them");
        } else {
            assertArrayEquals(rtn(w.data(), bits, group, false).step(), steps, "min-max step sizes");
        }
        checkHqqRoundZero(w.data(), w.shape(), bits, group, q);
        checkMeta(q, steps, q.weight().zero(), key);
    }
}
