package org.lmqt.mxq;

import java.util.Arrays;

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
        // Stage 2: weighted quickselect for the critical segment over a permutation of the segments: partition
        // [lo, hi) around a pivot by (slope, group); if the lighter side's weight exceeds the room left, the critical
        // segment is there, else take that side (and the pivot, if it fits) and go on in the heavier side.
        int[] order = new int[total]; // [S] segment ids; [0, lo) are taken
        Arrays.setAll(order, k -> k);
        long room = cap - used;
        int lo = 0;
        int hi = total;
        int critical = -1;
        while (lo < hi && critical < 0) {
            int p = partition(order, slope, group, lo, hi, lo + (hi - lo) / 2);
            long below = 0;
            for (int k = lo; k < p; k++) {
                below += weight[order[k]];
            }
            if (below > room) {
                hi = p;
            } else if (weight[order[p]] > room - below) {
                lo = p;
                critical = order[p];
            } else {
                room -= below + weight[order[p]];
                lo = p + 1;
            }
        }
        // Stage 3: the taken segments form a prefix of each hull; each group ends at its furthest one.
        int[] reached = new int[n]; // [n] hull index each group has reached
        for (int k = 0; k < lo; k++) {
            reached[group[order[k]]] = Math.max(reached[group[order[k]]], step[order[k]]);
        }
        for (int i = 0; i < n; i++) {
            choice[i] = hull[i][reached[i]];
        }
        return critical >= 0 ? -slope[critical] : 0;
    }

    /**
     * Lomuto partition of {@code order[lo, hi)} around the entry at {@code pivot} by (slope, group) of the segments
     * it names; returns the pivot's final position.
     */
    private static int partition(int[] order, double[] slope, int[] group, int lo, int hi, int pivot) {
        swap(order, pivot, hi - 1);
        double ps = slope[order[hi - 1]];
        int pg = group[order[hi - 1]];
        int store = lo;
        for (int k = lo; k < hi - 1; k++) {
            int x = order[k];
            if (slope[x] < ps || (slope[x] == ps && group[x] < pg)) {
                swap(order, k, store++);
            }
        }
        swap(order, store, hi - 1);
        return store;
    }

    private static void swap(int[] order, int a, int b) {
        int t = order[a];
        order[a] = order[b];
        order[b] = t;
    }
}
