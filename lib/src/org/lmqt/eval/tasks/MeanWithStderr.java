package org.lmqt.eval.tasks;

/**
 * A mean-aggregated metric and lm-eval's {@code mean_stderr}: the sample standard deviation ({@code n - 1}) over
 * {@code sqrt(n)}.
 *
 * @param mean   the mean over documents
 * @param stderr its standard error (nan for one document, as lm-eval's division by {@code n - 1 = 0})
 */
public record MeanWithStderr(double mean, double stderr) {
    /** The mean and standard error of {@code values}. */
    public static MeanWithStderr of(double[] values) {
        int n = values.length;
        if (n == 0) {
            throw new IllegalArgumentException("no documents to aggregate");
        }
        double sum = 0;
        for (double v : values) {
            sum += v;
        }
        double mean = sum / n;
        double squares = 0;
        for (double v : values) {
            squares += (v - mean) * (v - mean);
        }
        double stddev = Math.sqrt(squares / (n - 1));
        return new MeanWithStderr(mean, stddev / Math.sqrt(n));
    }
}
