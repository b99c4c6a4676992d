package org.lmqt.quant;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import java.util.Random;
import org.junit.jupiter.api.Test;

class ProximalRowKernelTest {

    @Test
    void theTestsRunTheVectorKernel() {
        // Surefire adds jdk.incubator.vector; without it the scalar kernel would silently take over
        assertInstanceOf(VectorRowKernel.class, ProximalRowKernel.best());
    }

    @Test
    void vectorAndScalarKernelsAreBitIdentical() {
        Random r = new Random(7);
        int n = 1000;   // not a multiple of the vector length: exercises the tail
        float[] w = new float[n + 5];
        float[] s = new float[n + 3];
        float[] z = new float[n + 3];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * (i % 97 == 0 ? 1.0 : 0.02));
        }
        for (int i = 0; i < s.length; i++) {
            s[i] = i % 50 == 0 ? 2e4f : 15f / (0.05f + r.nextFloat() * 0.1f);
            z[i] = r.nextFloat() * 15f;
        }
        float[][] a = run(new VectorRowKernel(), w, s, z, n);
        float[][] b = run(new ProximalRowKernel.ScalarRowKernel(), w, s, z, n);
        for (int k = 0; k < a.length - 1; k++) {
            assertArrayEquals(b[k], a[k], 0f, "output " + k);
        }
        assertEquals(b[4][0], a[4][0], "far flag");
    }

    private static float[][] run(ProximalRowKernel k, float[] w, float[] s, float[] z, int n) {
        float[] code = new float[n];
        float[] dev = new float[n];
        float[] err = new float[n];
        float[] term = new float[n];
        boolean far = k.run(w, 5, s, z, 3, n, 15f, 0.17f, code, dev, err, term);
        return new float[][] {code, dev, err, term, {far ? 1 : 0}};
    }
}
