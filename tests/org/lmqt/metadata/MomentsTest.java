package org.lmqt.metadata;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.apache.commons.math3.stat.descriptive.moment.Kurtosis;
import org.junit.jupiter.api.Test;

class MomentsTest {

    @Test
    void pearsonKurtosisAgreesWithCommonsMath() {
        // Commons Math gives the bias-corrected excess kurtosis G2; invert G2 = ((n+1) g2 + 6)(n-1)/((n-2)(n-3))
        // to the population excess g2, then Pearson = g2 + 3: an independent computation of the same statistic.
        Random r = new Random(11);
        float[] w = new float[10_007];
        double[] wd = new double[w.length];
        for (int i = 0; i < w.length; i++) {
            w[i] = (float) (r.nextGaussian() * (r.nextDouble() < 0.01 ? 8 : 1));
            wd[i] = w[i];
        }
        double n = w.length;
        double big = new Kurtosis().evaluate(wd);
        double g2 = (big * (n - 2) * (n - 3) / (n - 1) - 6) / (n + 1);
        assertEquals(g2 + 3, Moments.pearsonKurtosis(w), 1e-9 * (g2 + 3));
        assertTrue(Moments.pearsonKurtosis(w) > 5, "heavy tails give a large kurtosis");
    }

    @Test
    void smallHandExample() {
        // values 1, 2, 3, 4: mean 2.5, m2 = 1.25, m4 = (5.0625 * 2 + 0.0625 * 2) / 4 = 2.5625 -> 2.5625 / 1.5625 = 1.64
        assertEquals(1.64, Moments.pearsonKurtosis(new float[] {1, 2, 3, 4}), 1e-12);
        assertTrue(Double.isNaN(Moments.pearsonKurtosis(new float[] {2, 2, 2})));
    }
}
