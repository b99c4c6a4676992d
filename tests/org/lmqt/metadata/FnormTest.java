package org.lmqt.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;
import org.lmqt.checkpoint.Floats;

class FnormTest {

    @Test
    void fp16CheckpointsGetFp16Norms() {
        // differences rounded to fp16 and the norm rounded to fp16, as torch.norm of an fp16 tensor
        float[] w = {1.0f, 2.0f, 3.0f};
        float[] wq = {1.0009765625f, 1.9990234375f, 3.00390625f};
        double half = Fnorm.norm(w, wq, true);
        assertEquals(half, Floats.toHalf((float) half), 0.0, "an fp16 value");
        double exact = Math.sqrt(Math.pow(0.0009765625, 2) + Math.pow(0.0009765625, 2) + Math.pow(0.00390625, 2));
        assertEquals(exact, half, exact * 1e-3);
        assertEquals((float) exact, Fnorm.norm(w, wq, false), 0.0, "float32 otherwise");
    }
}
