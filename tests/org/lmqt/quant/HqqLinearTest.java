package org.lmqt.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.lmqt.checkpoint.Floats;

class HqqLinearTest {
    static final int OUT = 256;
    static final int IN = 128;

    static float[] weights(long seed) {
        Random r = new Random(seed);
        float[] w = new float[OUT * IN];   // [out, in]
        for (int i = 0; i < w.length; i++) {
            w[i] = Floats.toHalf((float) (r.nextGaussian() * 0.02));
        }
        return w;
    }

    @ParameterizedTest
    @EnumSource(value = QuantMethod.class, names = {"RTN", "HQQ"})
    void metaQuantizationAddsLittleError(QuantMethod method) {
        float[] w = weights(1);
        QuantConfig cfg = QuantConfig.parse("b4g64");
        HqqLinear q = HqqLinear.quantize(w, new int[] {OUT, IN}, cfg, method);
        double withMeta = rel(w, q.dequantize());
        double withoutMeta = rel(w, q.weight().dequantizeHalf());
        assertTrue(withMeta < 0.15, "4-bit relative error " + withMeta);
        assertTrue(withMeta < withoutMeta * 1.05, withMeta + " vs " + withoutMeta);
        // the meta codes are 8-bit, and the scale groups are [128, M/128]
        assertEquals(8, q.scales().bits());
        assertEquals(128, q.scales().group());
        assertEquals(1, q.zeros().columns(), "zeros are quantized with one global min/max");
    }

    @Test
    void moreBitsGiveLessError() {
        float[] w = weights(2);
        double prev = Double.MAX_VALUE;
        for (String c : new String[] {"b2g64", "b3g64", "b4g64", "b8g64"}) {
            double e = rel(w, HqqLinear.quantize(w, new int[] {OUT, IN}, QuantConfig.parse(c), QuantMethod.HQQ).dequantize());
            assertTrue(e < prev, c + ": " + e + " not below " + prev);
            prev = e;
        }
    }

    @Test
    void hqqBeatsRtn() {
        float[] w = weights(3);
        QuantConfig cfg = QuantConfig.parse("b3g64");
        double hqq = rel(w, HqqLinear.quantize(w, new int[] {OUT, IN}, cfg, QuantMethod.HQQ).dequantize());
        double rtn = rel(w, HqqLinear.quantize(w, new int[] {OUT, IN}, cfg, QuantMethod.RTN).dequantize());
        assertTrue(hqq < rtn, "hqq " + hqq + " rtn " + rtn);
    }

    @Test
    void packedRoundTripGivesTheSameWeights() {
        float[] w = weights(4);
        for (String c : new String[] {"b2g32", "b3g128", "b4g64", "b8g128"}) {
            HqqLinear q = HqqLinear.quantize(w, new int[] {OUT, IN}, QuantConfig.parse(c), QuantMethod.HQQ);
            HqqLinear back = HqqLinear.fromPacked(q.config(), q.method(), new int[] {OUT, IN}, q.packedWeight(),
                    q.scales(), q.zeros());
            assertArrayEquals(q.dequantize(), back.dequantize(), 0f, c);
        }
    }

    @Test
    void scaleGroupsMustDivide() {
        float[] w = new float[64 * 3];
        assertThrows(IllegalArgumentException.class,
                () -> HqqLinear.quantize(w, new int[] {64, 3}, QuantConfig.parse("b4g64"), QuantMethod.RTN));
    }

    static double rel(float[] a, float[] b) {
        double num = 0;
        double den = 0;
        for (int i = 0; i < a.length; i++) {
            num += (a[i] - b[i]) * (double) (a[i] - b[i]);
            den += a[i] * (double) a[i];
        }
        return Math.sqrt(num / den);
    }
}
