package org.lmqt.mxq;

/**
 * The LP relaxation of a multiple-choice knapsack, solved as the greedy does it: every group at its lightest efficient
 * item, then the lower-hull segments of all groups in order of slope (steepest cost decrease per unit of weight
 * first, equal slopes by group index) while they fit. The first segment that does not fit is the critical one; minus
 * its slope is the LP multiplier {@code lambda}, and the segments before it give the integral part of the LP solution.
 *
 * <p>The greedy needs only the critical segment, not the whole order, so it is found by a weighted quickselect over
 * the segments in expected O(S) (sorting them took 1 ms of a 405B solve). The key (slope, group) is unique, since the
 * slopes strictly increase along one hull, so the result is exactly the sorted greedy's.
 */
final class LpRelaxation {
    private LpRelaxation() {
    }

    /**
     * Writes the integral part of the LP solution into {@code choice} and returns {@code lambda} (0 when every
     * segment fits, so the capacity does not bind).
     *
     * @param eff per group the efficient items, weight ascending and cost strictly descending; [n][]
     */
    static double solve(double[][] c, long[][] w, long cap, int[][] eff, int[] choice) {
        int n = eff.length;
        // Stage 1: lower hulls; every group starts at its lightest item; the segments in group order.
        int[][] hull = new int[n][]; // [n][h_i] hull items
        int total = 0;
        long used = 0;
        for (int i = 0; i < n; i++) {
            hull[i] = HullSegments.lowerHull(c[i], w[i], eff[i]);
            choice[i] = hull[i][0];
            used += w[i][hull[i][0]];
            total += hull[i].length - 1;
        }
        double[] slope = new double[total]; // [S]
        long[] weight = new long[total];    // [S]
        int[] group = new int[total];       // [S]
        int[] step = new int[total];        // [S] hull index the segment ends at
        int s = 0;
        for (int i = 0; i < n; i++) {
            for (int t = 1; t < hull[i].length; t++) {
                int a = hull[i][t - 1];
                int b = hull[i][t];
                weight[s] = w[i][b] - w[i][a];
                slope[s] = (c[i][b] - c[i][a]) / weight[s];
                group[s] = i;
                step[s] = t;
                s++;
            }
        }
        // Stage 2: weighted quickselect for the critical segment: partition [lo, hi) around a pivot by (slope,
        // group); if the lighter side's weight exceeds the room left, the critical segment is there, else take that
        // side (and the pivot, if it fits) and go on in the heavier side.
        long room = cap - used;
        int lo = 0;
        int hi = total;
        int critical = -1;
        while (lo < hi) {
            int p = partition(slope, weight, group, step, lo, hi, lo + (hi - lo) / 2);
            long below = 0;
            for (int k = lo; k < p; k++) {
                below += weight[k];
            }
            if (below > room) {
                hi = p;
                continue;
            }
            room -= below;
            if (weight[p] > room) {
                critical = p;
                hi = p; // the segments before p (all of [0, p)) are the taken ones
                break;
            }
            room -= weight[p];
            lo = p + 1;
        }
        int taken = critical >= 0 ? critical : lo;
        // Stage 3: the taken segments [0, taken) form a prefix of each hull; each group ends at its furthest one.
        int[] reached = new int[n]; // [n] hull index each group has reached
        for (int k = 0; k < taken; k++) {
            reached[group[k]] = Math.max(reached[group[k]], step[k]);
        }
        for (int i = 0; i < n; i++) {
            choice[i] = hull[i][reached[i]];
        }
        return critical >= 0 ? -slope[critical] : 0;
    }

    /**
     * Lomuto partition of {@code [lo, hi)} around the element at {@code pivot} by (slope, group); returns the pivot's
     * final position. The four arrays are permuted together.
     */
    private static int partition(double[] slope, long[] weight, int[] group, int[] step, int lo, int hi, int pivot) {
        swap(slope, weight, group, step, pivot, hi - 1);
        double ps = slope[hi - 1];
        int pg = group[hi - 1];
        int store = lo;
        for (int k = lo; k < hi - 1; k++) {
            if (slope[k] < ps || (slope[k] == ps && group[k] < pg)) {
                swap(slope, weight, group, step, k, store++);
            }
        }
        swap(slope, weight, group, step, store, hi - 1);
        return store;
    }

    private static void swap(double[] slope, long[] weight, int[] group, int[] step, int a, int b) {
        double s = slope[a];
        slope[a] = slope[b];
        slope[b] = s;
        long w = weight[a];
        weight[a] = weight[b];
        weight[b] = w;
        int g = group[a];
        group[a] = group[b];
        group[b] = g;
        int t = step[a];
        step[a] = step[b];
        step[b] = t;
    }
}
