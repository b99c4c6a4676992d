package org.lmqt.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lmqt.checkpoint.Floats;
import org.lmqt.checkpoint.MatrixKey;
import org.lmqt.device.ComputeDevice;
import org.lmqt.quant.Int8Matrix;

/**
 * LLM.int8's mixed-precision decomposition against a plain Java rendering of {@code MatMul8bitLt}
 * (calib-methods-spec §4.4): fp16 input, outlier columns (any |x| >= 6) in fp16 against the dequantized weight, the
 * rest int8 per token times the int8 codes, rescaled by {@code rowmax * SCB * 6.200012e-05}.
 */
class Int8LtLinearTest {
    private static final int T = 5;
    private static final int IN = 48;
    private static final int OUT = 24;

    /** The layer's output for {@code x [T, IN]}, bias {@code b [OUT]} (or null), threshold {@code threshold}. */
    private static float[] layer(Int8Matrix q, float[] x, float[] b, double threshold) {
        try (NDManager nd = NDManager.newBaseManager(ai.djl.Device.cpu())) {
            NDArray bias = b == null ? null : nd.create(b);
            Int8LtLinear l = Int8LtLinear.of(new MatrixKey(0, "mlp.up_proj"), q, threshold, bias, nd, ComputeDevice.CPU);
            return l.forward(nd.create(x, new Shape(T, IN))).toFloatArray();
        }
    }

    /** The reference: every step of MatMul8bitLt in scalar Java. */
    private static float[] reference(Int8Matrix q, float[] x, float[] b, double threshold) {
        float[] a = new float[x.length];                                      // [T, IN] fp16
        for (int i = 0; i < x.length; i++) {
            a[i] = Floats.toHalf(x[i]);
        }
        boolean[] outlier = new boolean[IN];
        for (int t = 0; t < T; t++) {
            for (int c = 0; c < IN; c++) {
                outlier[c] |= Math.abs(a[t * IN + c]) >= threshold;
            }
        }
        float[] w = q.dequantize();                                           // [OUT, IN] float32
        float[] y = new float[T * OUT];
        for (int t = 0; t < T; t++) {
            float max = 0;
            for (int c = 0; c < IN; c++) {
                if (!outlier[c]) {
                    max = Math.max(max, Math.abs(a[t * IN + c]));
                }
            }
            float scale = 127f / (max == 0 ? 1 : max);
            long[] codes = new long[IN];
            for (int c = 0; c < IN; c++) {
                codes[c] = outlier[c] ? 0 : (long) Math.rint(a[t * IN + c] * scale);
            }
            for (int o = 0; o < OUT; o++) {
                long acc = 0;
                for (int c = 0; c < IN; c++) {
                    acc += codes[c] * q.codes()[o * IN + c];
                }
                float v = (float) acc * (max * q.scb()[o] * Int8LtLinear.MM_DEQUANT_CONST);
                v = Floats.toHalf(b == null ? v : v + b[o]);
                float extra = 0;
                for (int c = 0; c < IN; c++) {
                    if (outlier[c]) {
                        extra += a[t * IN + c] * Floats.toHalf(w[o * IN + c]);
                    }
                }
                y[t * OUT + o] = anyOutlier(outlier) ? Floats.toHalf(v + extra) : v;
            }
        }
        return y;
    }

    private static boolean anyOutlier(boolean[] outlier) {
        for (boolean o : outlier) {
            if (o) {
                return true;
            }
        }
        return false;
    }

    private static float[] gaussian(Random rnd, int n, double sd) {
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) (rnd.nextGaussian() * sd);
        }
        return v;
    }

    /** Outputs within two fp16 ulps of the reference (the float32 sums run in another order). */
    private static void assertClose(float[] expected, float[] actual, String what) {
        for (int i = 0; i < expected.length; i++) {
            float ulp = Math.ulp(Floats.toHalf(Math.abs(expected[i]))) * 8192;  // fp16 ulp from the float32 ulp
            assertEquals(expected[i], actual[i], 2 * Math.max(ulp, 1e-7f), what + " at " + i);
        }
    }

    @Test
    void withoutOutliersTheIntegerProductIsExact() {
        Random rnd = new Random(1);
        Int8Matrix q = Int8Matrix.quantize(gaussian(rnd, OUT * IN, 0.05), new int[] {OUT, IN});
        float[] x = gaussian(rnd, T * IN, 1);
        float[] b = gaussian(rnd, OUT, 0.1);
        float[] expected = reference(q, x, b, 1e9);
        float[] actual = layer(q, x, b, 1e9);
        // one float32 product and one fp16 rounding: bit for bit
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 0f, "output " + i);
        }
    }

    @Test
    void outlierColumnsRunInHalfPrecisionAndTheRestInInt8() {
        Random rnd = new Random(2);
        Int8Matrix q = Int8Matrix.quantize(gaussian(rnd, OUT * IN, 0.05), new int[] {OUT, IN});
        float[] x = gaussian(rnd, T * IN, 1);
        x[2 * IN + 7] = 40f;     // column 7 is an outlier column through one token
        x[4 * IN + 30] = -6f;    // |x| = 6 counts (>=)
        float[] expected = reference(q, x, null, 6.0);
        assertClose(expected, layer(q, x, null, 6.0), "decomposed");
        // the decomposition keeps the outliers' precision: closer to the dequantized dense product than int8 alone
        float[] w = q.dequantize();
        float[] withOutliers = layer(q, x, null, 6.0);
        float[] allInt8 = layer(q, x, null, 1e9);
        double errMixed = 0;
        double errInt8 = 0;
        for (int t = 0; t < T; t++) {
            for (int o = 0; o < OUT; o++) {
                double dense = 0;
                for (int c = 0; c < IN; c++) {
                    dense += (double) Floats.toHalf(x[t * IN + c]) * w[o * IN + c];
                }
                errMixed += Math.pow(withOutliers[t * OUT + o] - dense, 2);
                errInt8 += Math.pow(allInt8[t * OUT + o] - dense, 2);
            }
        }
        assertTrue(errMixed < 0.25 * errInt8, "mixed " + errMixed + " vs all-int8 " + errInt8);
    }

    @Test
    void anAllZeroTokenGivesTheBias() {
        Random rnd = new Random(3);
        Int8Matrix q = Int8Matrix.quantize(gaussian(rnd, OUT * IN, 0.05), new int[] {OUT, IN});
        float[] x = gaussian(rnd, T * IN, 1);
        java.util.Arrays.fill(x, IN, 2 * IN, 0f);
        float[] b = gaussian(rnd, OUT, 0.1);
        float[] y = layer(q, x, b, 6.0);
        for (int o = 0; o < OUT; o++) {
            assertEquals(Floats.toHalf(b[o]), y[OUT + o], 0f, "token 1, output " + o);
        }
    }
}
