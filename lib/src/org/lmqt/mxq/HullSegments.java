package org.lmqt.mxq;

import java.util.Arrays;

/**
 * The lower convex hulls of some groups of a multiple-choice knapsack and all their segments in one list, in order of
 * slope (the steepest cost decrease per unit of weight first; equal slopes by position of the group). Taking the
 * segments in this order while they fit is the greedy that solves the LP relaxation.
 *
 * <p>Built by a k-way merge: the slopes along one hull increase, so a heap over the groups, keyed by the slope of
 * each group's next segment, yields the merged order in O(S log f) with primitive arrays only.
 *
 * @param first  per group position: the lightest hull item (the LP's starting point); [f]
 * @param owner  per segment: the group position it belongs to; [S]
 * @param end    per segment: the item at its heavier end; [S]
 * @param weight per segment: its weight increase (positive); [S]
 * @param cost   per segment: its cost change (negative); [S]
 * @param slope  per segment: cost / weight, ascending; [S]
 */
record HullSegments(int[] first, int[] owner, int[] end, long[] weight, double[] cost, double[] slope) {

    /**
     * Segments of the groups {@code groups[0..f-1]} over their items {@code items[groups[g]]} (weight ascending, cost
     * strictly descending, as {@link ExactMckpSolver#efficientItems} gives them).
     */
    static HullSegments of(double[][] c, long[][] w, int[] groups, int[][] items) {
        int f = groups.length;
        // Stage 1: one lower hull per group.
        int[][] hull = new int[f][]; // [f][h_g] items on the hull
        int[] first = new int[f];
        int total = 0;
        for (int g = 0; g < f; g++) {
            int i = groups[g];
            hull[g] = lowerHull(c[i], w[i], items[i]);
            first[g] = hull[g][0];
            total += hull[g].length - 1;
        }
        // Stage 2: the segments merged in slope order.
        int[] owner = new int[total];
        int[] end = new int[total];
        long[] weight = new long[total];
        double[] cost = new double[total];
        double[] slope = new double[total];
        merge(c, w, groups, hull, owner, end, weight, cost, slope);
        return new HullSegments(first, owner, end, weight, cost, slope);
    }

    /**
     * K-way merge of the hulls' segments into the output arrays: a binary min-heap of the groups with segments left,
     * keyed by their next segment's slope; repeatedly emit the steepest next segment and advance its group (drop the
     * group when it runs out).
     */
    private static void merge(double[][] c, long[][] w, int[] groups, int[][] hull, int[] owner, int[] end,
            long[] weight, double[] cost, double[] slope) {
        int f = groups.length;
        double[] key = new double[f]; // [f] slope of the next segment of each group
        int[] next = new int[f];      // [f] hull index of the item that next segment ends at
        int[] heap = new int[f];      // [size] group positions in heap order
        int size = 0;
        for (int g = 0; g < f; g++) {
            if (hull[g].length > 1) {
                next[g] = 1;
                key[g] = slopeOf(c, w, groups[g], hull[g], 1);
                heap[size++] = g;
            }
        }
        for (int p = size / 2 - 1; p >= 0; p--) {
            siftDown(heap, size, p, key);
        }
        for (int s = 0; s < owner.length; s++) {
            int g = heap[0];
            int i = groups[g];
            int t = next[g];
            owner[s] = g;
            end[s] = hull[g][t];
            weight[s] = w[i][hull[g][t]] - w[i][hull[g][t - 1]];
            cost[s] = c[i][hull[g][t]] - c[i][hull[g][t - 1]];
            slope[s] = key[g];
            if (t + 1 < hull[g].length) {
                next[g] = t + 1;
                key[g] = slopeOf(c, w, i, hull[g], t + 1);
            } else {
                heap[0] = heap[--size];
            }
            siftDown(heap, size, 0, key);
        }
    }

    /** Number of segments. */
    int size() {
        return owner.length;
    }

    /** Slope of the hull segment ending at {@code hull[t]}. */
    private static double slopeOf(double[][] c, long[][] w, int i, int[] hull, int t) {
        return (c[i][hull[t]] - c[i][hull[t - 1]]) / (w[i][hull[t]] - w[i][hull[t - 1]]);
    }

    /** Restores the heap order below position {@code p}: smaller slope first, equal slopes by group position. */
    private static void siftDown(int[] heap, int size, int p, double[] key) {
        int g = heap[p];
        while (true) {
            int child = 2 * p + 1;
            if (child >= size) {
                break;
            }
            if (child + 1 < size && before(heap[child + 1], heap[child], key)) {
                child++;
            }
            if (!before(heap[child], g, key)) {
                break;
            }
            heap[p] = heap[child];
            p = child;
        }
        heap[p] = g;
    }

    private static boolean before(int a, int b, double[] key) {
        return key[a] < key[b] || (key[a] == key[b] && a < b);
    }

    /** Lower convex hull of the efficient items (weight ascending), collinear points dropped. */
    static int[] lowerHull(double[] c, long[] w, int[] items) {
        int[] hull = new int[items.length];
        int m = 0;
        for (int k : items) {
            while (m >= 2) {
                int a = hull[m - 2];
                int b = hull[m - 1];
                double s1 = (c[b] - c[a]) / (w[b] - w[a]);
                double s2 = (c[k] - c[b]) / (w[k] - w[b]);
                if (s2 > s1) {
                    break;
                }
                m--;
            }
            hull[m++] = k;
        }
        return Arrays.copyOf(hull, m);
    }
}
