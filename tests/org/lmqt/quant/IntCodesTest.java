package org.lmqt.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lmqt.quant.act.FakeQuantFormats;
import org.lmqt.quant.act.WeightQuantFormat;

/** The integer formats' codes rebuild their fake-quantized values exactly; the others keep their values. */
class IntCodesTest {

    @Test
    void codesRebuildTheFakeQuantizedValues() {
        int rows = 12;
        int cols = 40;
        Random r = new Random(2);
        float[] w = new float[rows * cols];                                        // [rows, cols]
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * (1 + i % 7));
        }
        for (int i = 0; i < cols; i++) {
            w[3 * cols + i] = Math.abs(w[3 * cols + i]);                           // a row without negatives
        }
        for (String name : List.of("int8-channel", "int8-tensor", "zq-int8", "zq-int4", "zq-int4-g8", "zq-int8-g48",
                "qli-int8")) {
            WeightQuantFormat f = FakeQuantFormats.weight(name);
            FakeQuantMatrix m = f.quantize(w, rows, cols);
            assertTrue(m.codes().isPresent(), name + " has codes");
            IntCodes c = m.codes().get();
            float[] rebuilt = c.values();
            for (int i = 0; i < w.length; i++) {
                assertEquals(m.values()[i], rebuilt[i], 0f, name + " value " + i);
            }
            int groups = name.equals("int8-tensor") ? 1 : name.endsWith("-g8") ? 8 : name.endsWith("-g48") ? 48 : rows;
            assertEquals(groups, c.steps().length, name + " groups");
            assertEquals(name.startsWith("qli"), c.minMax(), name);
        }
        for (String name : List.of("e4m3", "mxfp4", "zq-int8-asym")) {
            assertTrue(FakeQuantFormats.weight(name).quantize(w, rows, cols).codes().isEmpty(), name + " has none");
        }
    }

    @Test
    void aDegenerateGroupKeepsTheValues() {
        float[] w = new float[2 * 8];                                              // row 0 all zero
        for (int i = 8; i < 16; i++) {
            w[i] = i - 11.5f;
        }
        // DeepSpeed's zero group is NaN (no epsilon): no code stands for it
        FakeQuantMatrix zq = FakeQuantFormats.weight("zq-int8").quantize(w, 2, 8);
        assertTrue(Float.isNaN(zq.values()[0]));
        assertFalse(zq.codes().isPresent());
        // SmoothQuant clamps the step at 1e-5: the zero row has codes 0
        FakeQuantMatrix sq = FakeQuantFormats.weight("int8-channel").quantize(w, 2, 8);
        assertTrue(sq.codes().isPresent());
        assertEquals(0, sq.codes().get().codes()[0]);
    }
}
