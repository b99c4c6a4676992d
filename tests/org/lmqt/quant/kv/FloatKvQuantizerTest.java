package org.lmqt.quant.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.lmqt.cli.UserException;
import org.lmqt.device.ComputeDevice;
import org.lmqt.device.Djl;
import org.lmqt.quant.fp.FloatFormat;
import org.lmqt.quant.fp.LlmcFloatQuantizer;

/** LLMC's naive KV cache with its float quantizer ({@code naive-e4m3}, ...). */
class FloatKvQuantizerTest {
    private static float[] random(int n, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] v = new float[n];
        for (int i = 0; i < n; i++) {
            v[i] = (float) ((r.nextDouble() - 0.5) * (i % 7 == 0 ? 20 : 2));
        }
        return v;
    }

    @Test
    void everyHeadsTokenIsOneRowOfLlmcsFloatQuantizer() {
        float[] x = random(2 * 5 * 16, 3);                                  // [KV 2, T 5, d 16]
        try (NDManager m = Djl.newManager(ComputeDevice.CPU)) {
            for (String name : new String[] {"naive-e4m3", "naive-e5m2", "naive-e4m3-qtorch", "naive-e4m3-g8"}) {
                NaiveKvPolicy p = NaiveKvPolicy.parse(name);
                assertEquals(name, p.name());
                FloatFormat f = FloatFormat.parse(name.substring(6, 10));
                LlmcFloatQuantizer q = name.endsWith("-g8")
                        ? new LlmcFloatQuantizer(f, LlmcFloatQuantizer.Granularity.PER_GROUP, 8, false)
                        : LlmcFloatQuantizer.perRow(f, LlmcFloatQuantizer.Granularity.PER_TOKEN, name.contains("qtorch"));
                float[] want = q.fakeQuantize(x, 10, 16);
                float[] got = p.quantizer().apply(m.create(x, new Shape(2, 5, 16))).toFloatArray();
                assertArrayEquals(want, got, name);
                assertNotEquals(java.util.Arrays.toString(x), java.util.Arrays.toString(got), name + " changes values");
            }
            // a float16 cache comes back as float16, quantized through float32
            NDArray half = m.create(x, new Shape(2, 5, 16)).toType(DataType.FLOAT16, false);
            NDArray out = NaiveKvPolicy.parse("naive-e4m3").quantizer().apply(half);
            assertEquals(DataType.FLOAT16, out.getDataType());
        }
    }

    @Test
    void accountsCodesAndScalesAndRefusesBadConfigs() {
        // 4 layers, 2 heads of 16: K and V, one byte per e4m3 code, an fp16 scale per head and token
        assertEquals(2.0 * 4 * (2 * 16 + 2 * 2), NaiveKvPolicy.parse("naive-e4m3").bytesPerToken(4, 2, 16), 1e-12);
        assertEquals(2.0 * 4 * (2 * 16 + 4 * 2), NaiveKvPolicy.parse("naive-e5m2-g8").bytesPerToken(4, 2, 16), 1e-12);
        UserException e = assertThrows(UserException.class, () -> NaiveKvPolicy.parse("naive-e4m3-g12").checkFits(2, 16));
        assertTrue(e.getMessage().contains("does not divide head_dim 16"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NaiveKvPolicy.parse("naive-e2m1"));
        assertThrows(IllegalArgumentException.class, () -> NaiveKvPolicy.parse("naive-e4m3-tensor"));
        // the integer configs keep their names and sizes
        assertEquals("naive4-asym-g8", NaiveKvPolicy.parse("naive4-asym-g8").name());
        assertEquals(2.0 * 4 * (2 * 16 + 2 * 2), NaiveKvPolicy.parse("naive8").bytesPerToken(4, 2, 16), 1e-12);
    }
}
