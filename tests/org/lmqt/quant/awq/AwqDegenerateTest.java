package org.lmqt.quant.awq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.lmqt.quant.CalibrationInputs;

/** The degenerate groups of calib-methods-spec §3.1 and §3.5, and the GEMM packing order of §3.6. */
class AwqDegenerateTest {

    @Test
    void constantGroupsFollowTheReference() {
        // groups of 4: all zero, constant 3, constant -2
        float[] w = {0f, 0f, 0f, 0f, 3f, 3f, 3f, 3f, -2f, -2f, -2f, -2f};
        AwqMatrix m = PseudoQuantizer.quantize(w, 1, 12, 4, 4, true);
        float scale = 1e-5f / 15;
        assertArrayEquals(new float[] {scale, scale, scale}, m.scales());
        assertEquals(Float.floatToRawIntBits(-0.0f), Float.floatToRawIntBits(m.zeros()[0]), "all-zero group: -0.0");
        assertEquals(Float.floatToRawIntBits(0.0f), Float.floatToRawIntBits(m.zeros()[1]), "c > 0: zero clamps to +0");
        assertEquals(15f, m.zeros()[2]);
        float[] d = m.referenceWeight();
        assertEquals(0f, d[0]);
        assertEquals(15 * scale, d[4], "c > 0 dequantizes to 15 * scale whatever c is");
        assertEquals(-15 * scale, d[8]);
        assertArrayEquals(d, PseudoQuantizer.dequantized(w, 1, 12, 4, 4, true));
    }

    @Test
    void symmetricBranchStoresOffsetCodes() {
        float[] w = {-1f, 0.5f, 1f, 0f};
        AwqMatrix m = PseudoQuantizer.quantize(w, 1, 4, 4, 4, false);
        assertEquals(1f / 7, m.scales()[0]);
        assertEquals(8f, m.zeros()[0]);
        // -1/scale = -7 -> code 1; 0.5/fp32(1/7) = 3.4999998 -> 3 -> code 11; 1 -> 7 -> 15; 0 -> 8
        assertArrayEquals(new byte[] {1, 11, 15, 8}, m.codes());
    }

    @Test
    void allZeroGroupClipsToZero() {
        // one row of two groups of 32; the first all zero
        float[] w = new float[64];
        for (int j = 32; j < 64; j++) {
            w[j] = (j % 7) - 3f;
        }
        float[] x = new float[512 * 64];
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) Math.sin(i * 0.37);
        }
        AwqOptions o = AwqOptions.of(AwqOptions.Flavour.AUTOAWQ, 4, 32);
        float[] m = ClipSearch.search(w, 1, 64, new CalibrationInputs(x, 512, 64), o);
        assertEquals(0f, m[0]);
        assertEquals(true, m[1] > 0f && m[1] <= 3f);
        assertThrows(IllegalArgumentException.class, () -> ClipSearch.search(w, 1, 64,
                new CalibrationInputs(new float[100 * 64], 100, 64), AwqOptions.of(AwqOptions.Flavour.LLM_AWQ, 4, 32)));
    }

    @Test
    void gemmPackingInterleavesEightColumns() {
        int[] v = {0, 1, 2, 3, 4, 5, 6, 7};
        // nibble k holds column order[k] = 0, 2, 4, 6, 1, 3, 5, 7
        assertArrayEquals(new int[] {0x75316420}, AwqMatrix.packGemm(v, 1, 8));
    }
}
