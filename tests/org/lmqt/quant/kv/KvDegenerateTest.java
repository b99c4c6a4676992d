package org.lmqt.quant.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import org.junit.jupiter.api.Test;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;

/** Degenerate inputs behave as the references do (spec §8). */
class KvDegenerateTest {

    @Test
    void kiviConstantGroupsDequantizeToTheirMinimumAndNanPropagates() {
        try (NDManager m = Djl.newManager(ComputeDevice.CPU)) {
            float[] k = new float[32 * 4];          // [1, 32, 4]: channel c is constant c - 1.5
            for (int t = 0; t < 32; t++) {
                for (int c = 0; c < 4; c++) {
                    k[t * 4 + c] = c - 1.5f;
                }
            }
            NDArray keys = m.create(k, new Shape(1, 32, 4));
            assertArrayEquals(k, new KiviQuantizer(2, 32).keys(keys).dequantized().toFloatArray());
            float[] v = new float[32];              // [1, 1, 32]: one token, one group
            v[3] = Float.NaN;
            float[] out = new KiviQuantizer(4, 32).values(m.create(v, new Shape(1, 1, 32))).dequantized().toFloatArray();
            for (float x : out) {
                assertTrue(Float.isNaN(x), "a NaN makes the group's min/max NaN");
            }
        }
    }

    @Test
    void naiveAllZeroTokensStayZeroAndSimQuantConstantColumnsAreOffByTheRangeOfOne() {
        try (NDManager m = Djl.newManager(ComputeDevice.CPU)) {
            NDArray zeros = m.zeros(new Shape(2, 3, 8));
            assertArrayEquals(new float[48], NaiveKvPolicy.parse("naive8").quantizer().apply(zeros).toFloatArray());
            assertArrayEquals(new float[48], NaiveKvPolicy.parse("naive4-asym").quantizer().apply(zeros).toFloatArray());
        }
        // the spec's measured case: a constant -0.03 column comes back as -0.0314 (range replaced by 1)
        SimQuant.Result r = SimQuant.quantize(new float[] {-0.03f, -0.03f, -0.03f}, 3, 1);
        for (float x : r.dequantized()) {
            assertTrue(Math.abs(x - -0.0314f) < 1e-4, "got " + x);
        }
    }
}
