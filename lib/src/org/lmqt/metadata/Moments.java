package org.lmqt.metadata;

/**
 * Pearson (non-excess) kurtosis {@code m4 / m2^2} with population central moments, as
 * {@code scipy.stats.kurtosis(w, fisher=False, bias=True)} (a Gaussian gives 3), and the mean with the sample
 * standard deviation. Two passes in double precision.
 */
public final class Moments {
    private Moments() {}

    /** Pearson kurtosis of {@code values}; NaN for fewer than 2 values or zero variance. */
    public static double pearsonKurtosis(float[] values) {
        int n = values.length;
        if (n < 2) {
            return Double.NaN;
        }
        // pass 1: mean
        double sum = 0;
        for (float v : values) {
            sum += v;
        }
        double mean = sum / n;
        // pass 2: second and fourth central moments
        double m2 = 0;
        double m4 = 0;
        for (float v : values) {
            double d = v - mean;
            double d2 = d * d;
            m2 += d2;
            m4 += d2 * d2;
        }
        m2 /= n;
        m4 /= n;
        return m2 == 0 ? Double.NaN : m4 / (m2 * m2);
    }

    /** {mean, sample standard deviation (n - 1)} of {@code values}; the deviation is NaN for fewer than 2 values. */
    public static double[] meanAndSampleSd(double[] values) {
        return meanAndSampleSd(values, 0, values.length);
    }

    /** {mean, sample standard deviation} of {@code values[from..to)}. */
    public static double[] meanAndSampleSd(double[] values, int from, int to) {
        int n = to - from;
        double sum = 0;
        for (int i = from; i < to; i++) {
            sum += values[i];
        }
        double mean = sum / n;
        double squares = 0;
        for (int i = from; i < to; i++) {
            squares += (values[i] - mean) * (values[i] - mean);
        }
        return new double[] {mean, n < 2 ? Double.NaN : Math.sqrt(squares / (n - 1))};
    }
}
