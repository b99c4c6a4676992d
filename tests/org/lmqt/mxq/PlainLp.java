package org.lmqt.mxq;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The LP relaxation of a multiple-choice knapsack written as plainly as possible, as a reference for the solver's
 * fast versions: lower hulls by a list, every segment collected and sorted by (slope, group), the greedy in that
 * order.
 */
final class PlainLp {
    /** One hull segment: its group, the item it ends at, its weight and cost changes. */
    record Segment(int group, int to, long dw, double dc) {
        double slope() {
            return dc / dw;
        }
    }

    /** What the greedy found. */
    record Result(double value, double lambda, int[] integral) {}

    private PlainLp() {
    }

    /** Lower convex hull of {@code items} (weight ascending, cost strictly descending): slopes must increase. */
    static List<Integer> hull(double[] c, long[] w, int[] items) {
        List<Integer> hull = new ArrayList<>();
        for (int k : items) {
            while (hull.size() >= 2) {
                int a = hull.get(hull.size() - 2);
                int b = hull.get(hull.size() - 1);
                if ((c[k] - c[b]) / (w[k] - w[b]) > (c[b] - c[a]) / (w[b] - w[a])) {
                    break;
                }
                hull.remove(hull.size() - 1);
            }
            hull.add(k);
        }
        return hull;
    }

    /** Every hull segment of {@code groups}, sorted by slope, equal slopes in the order of {@code groups}. */
    static List<Segment> segments(double[][] c, long[][] w, List<Integer> groups, int[][] items) {
        List<Segment> segments = new ArrayList<>();
        for (int i : groups) {
            List<Integer> hull = hull(c[i], w[i], items[i]);
            for (int h = 1; h < hull.size(); h++) {
                segments.add(new Segment(i, hull.get(h), w[i][hull.get(h)] - w[i][hull.get(h - 1)],
                        c[i][hull.get(h)] - c[i][hull.get(h - 1)]));
            }
        }
        segments.sort(Comparator.comparingDouble(Segment::slope)); // stable: ties keep the order of groups
        return segments;
    }

    /**
     * The greedy within {@code room}: every group of {@code groups} at its lightest item, then segments in order while
     * they fit, the first that does not fit taken fractionally. Value +infinity when even the lightest items do not
     * fit; {@code integral} holds an item for every group index of {@code groups} (others 0).
     */
    static Result solve(double[][] c, long[][] w, List<Integer> groups, int[][] items, long room) {
        int[] integral = new int[c.length];
        long weight = 0;
        double cost = 0;
        for (int i : groups) {
            integral[i] = hull(c[i], w[i], items[i]).get(0);
            weight += w[i][integral[i]];
            cost += c[i][integral[i]];
        }
        if (weight > room) {
            return new Result(Double.POSITIVE_INFINITY, Double.NaN, integral);
        }
        for (Segment s : segments(c, w, groups, items)) {
            if (weight + s.dw() > room) {
                return new Result(cost + s.slope() * (room - weight), -s.slope(), integral);
            }
            weight += s.dw();
            cost += s.dc();
            integral[s.group()] = s.to();
        }
        return new Result(cost, 0, integral);
    }
}
