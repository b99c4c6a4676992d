package org.lmqt.metadata;

import java.util.Arrays;

/**
 * Percentiles with numpy's default "linear" method, in its own arithmetic: virtual index
 * {@code n*q + (1 - q) - 1} for {@code q = p/100}, then {@code a + (b-a)*t}, or {@code b - (b-a)*(1-t)} when
 * {@code t >= 0.5}.
 */
public final class Percentiles {
    private Percentiles() {}

    /** Percentiles {@code ps} (0-100) of the absolute values of {@code values}. */
    public static double[] ofAbsolute(float[] values, double... ps) {
        double[] sorted = new double[values.length];   // [n] |w|, ascending
        for (int i = 0; i < values.length; i++) {
            sorted[i] = Math.abs(values[i]);
        }
        Arrays.sort(sorted);
        return ofSorted(sorted, ps);
    }

    /** Percentiles {@code ps} (0-100) of ascending {@code sorted}. */
    public static double[] ofSorted(double[] sorted, double... ps) {
        int n = sorted.length;
        if (n == 0) {
            throw new IllegalArgumentException("percentiles of an empty array");
        }
        double[] out = new double[ps.length];
        for (int k = 0; k < ps.length; k++) {
            double q = ps[k] / 100.0;
            double virtual = n * q + (1 + q * (1 - 1 - 1)) - 1;        // numpy: alpha = beta = 1
            virtual = Math.min(Math.max(virtual, 0), n - 1);
            int prev = (int) Math.floor(virtual);
            int next = Math.min(prev + 1, n - 1);
            double t = virtual - prev;
            double a = sorted[prev];
            double b = sorted[next];
            double diff = b - a;
            out[k] = t >= 0.5 ? b - diff * (1 - t) : a + diff * t;
        }
        return out;
    }
}
