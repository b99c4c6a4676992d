package org.lmqt.metadata;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class PercentilesTest {

    @Test
    void numpyLinearInterpolation() {
        // numpy.percentile([1, 2, 3, 4, 10], [0, 25, 50, 90, 99, 100]) == [1, 2, 3, 7.6, 9.76, 10]
        double[] p = Percentiles.ofSorted(new double[] {1, 2, 3, 4, 10}, 0, 25, 50, 90, 99, 100);
        assertArrayEquals(new double[] {1, 2, 3, 7.6, 9.76, 10}, p, 1e-12);
    }

    @Test
    void absoluteValuesAreUsed() {
        double[] p = Percentiles.ofAbsolute(new float[] {-5, 1, -2, 3}, 0, 100, 50);
        assertArrayEquals(new double[] {1, 5, 2.5}, p, 0);
    }

    @Test
    void singleValue() {
        assertEquals(7, Percentiles.ofSorted(new double[] {7}, 99.99)[0]);
    }
}
