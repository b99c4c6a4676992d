package org.lmqt.quant.kv;

import java.util.Arrays;
import java.util.SplittableRandom;

/**
 * k-means of scalar values (KVQuant's non-uniform codebook): k-means++ seeding from {@code seed}, then Lloyd
 * iterations (at most {@code maxIter}, KVQuant's 50) on the sorted values, where every cluster is a run between two
 * midpoints and its mean comes from prefix sums, so one iteration costs {@code O(k log n)}. KVQuant calls
 * scikit-learn ({@code KMeans(n_clusters=2^b, random_state=0, n_init="auto", max_iter=50)}), whose greedy k-means++
 * draws cannot be reproduced; the fixed point Lloyd reaches is the same kind (a local optimum of the same loss).
 */
public final class KMeans1d {
    private KMeans1d() {}

    /** The {@code k} centroids of {@code values}, ascending (fewer distinct values than k: duplicates kept). */
    public static float[] fit(float[] values, int k, int maxIter, long seed) {
        if (values.length == 0 || k < 1) {
            throw new IllegalArgumentException("k-means needs values and k >= 1, got " + values.length + " and " + k);
        }
        double[] x = new double[values.length];   // [n] sorted
        for (int i = 0; i < x.length; i++) {
            x[i] = values[i];
        }
        Arrays.sort(x);
        double[] prefix = new double[x.length + 1];
        for (int i = 0; i < x.length; i++) {
            prefix[i + 1] = prefix[i] + x[i];
        }
        double[] c = seed(x, k, new SplittableRandom(seed));
        // Lloyd: assign runs between midpoints, move every centroid to its run's mean; an empty run keeps its centroid
        for (int it = 0; it < maxIter; it++) {
            Arrays.sort(c);
            double[] next = c.clone();
            int from = 0;
            for (int j = 0; j < k; j++) {
                int to = j == k - 1 ? x.length : upperBound(x, (c[j] + c[j + 1]) / 2);
                if (to > from) {
                    next[j] = (prefix[to] - prefix[from]) / (to - from);
                }
                from = Math.max(from, to);
            }
            boolean moved = !Arrays.equals(next, c);
            c = next;
            if (!moved) {
                break;
            }
        }
        Arrays.sort(c);
        float[] out = new float[k];
        for (int j = 0; j < k; j++) {
            out[j] = (float) c[j];
        }
        return out;
    }

    /** k-means++: the first centre uniformly, each next one with probability proportional to the squared distance. */
    private static double[] seed(double[] x, int k, SplittableRandom rng) {
        double[] c = new double[k];
        double[] d2 = new double[x.length];
        c[0] = x[rng.nextInt(x.length)];
        for (int j = 1; j < k; j++) {
            double total = 0;
            for (int i = 0; i < x.length; i++) {
                double d = x[i] - c[j - 1];
                d2[i] = j == 1 ? d * d : Math.min(d2[i], d * d);
                total += d2[i];
            }
            if (total == 0) {
                c[j] = c[j - 1];
                continue;
            }
            double r = rng.nextDouble() * total;
            int pick = x.length - 1;
            for (int i = 0; i < x.length; i++) {
                r -= d2[i];
                if (r < 0) {
                    pick = i;
                    break;
                }
            }
            c[j] = x[pick];
        }
        return c;
    }

    /** First index whose value is greater than {@code v} ({@code x} ascending). */
    private static int upperBound(double[] x, double v) {
        int lo = 0;
        int hi = x.length;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (x[mid] <= v) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
