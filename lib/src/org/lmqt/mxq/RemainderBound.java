package org.lmqt.mxq;

/**
 * LP bound of the free groups after the current DP stage as a function of the capacity left to them: every such
 * group at its lightest alive item, then lower-hull segments of all of them in order of slope, the last one
 * fractional. A lower bound on the cost any completion adds, so a state whose cost plus this bound exceeds the
 * incumbent's cost on the same groups cannot lead to a better allocation. The same LP without its fractional segment
 * ({@link #integralPart}) is a feasible completion, an upper bound.
 *
 * <p>The segments sit in a Fenwick tree in slope order; a stage removes its own group's segments (a removed one
 * weighs 0) in O(log S), where rebuilding prefix sums per stage took O(S) and dominated the 405B solves. A query
 * walks down from the last answer over the segments still present, or descends the tree in O(log S).
 */
final class RemainderBound {
    private static final int MAX_WALK = 16;
    private final int size;          // S, the number of segments
    private final int topStep;       // largest power of two <= S
    private final long[] treeWeight; // Fenwick tree of segment weights in slope order; [S + 1]
    private final double[] treeCost; // Fenwick tree of segment costs; [S + 1]
    private final double[] slope;    // slope of each segment, ascending; [S]
    private final int[][] segmentsOf; // positions (slope order) of each stage's segments; [f][]
    private final long[] segWeight;  // [S]
    private final double[] segCost;  // [S]
    private final long[] baseWeight; // lightest alive weights of stages >= g, summed; [f + 1]
    private final double[] baseCost; // their costs, summed; [f + 1]
    private final int[] below;       // union-find: a removed segment points further down; [S]
    private int stage;
    // The last answer: segments [0, whole) weighing weight and costing cost fit into lastExtra.
    private long lastExtra = -1;
    private int whole;
    private long weight;
    private double cost;

    /** The bound for the groups {@code free[g]} (stage order) over their items {@code alive[free[g]]}. */
    RemainderBound(double[][] c, long[][] w, int[] free, int[][] alive) {
        int f = free.length;
        HullSegments segments = HullSegments.of(c, w, free, alive);
        baseWeight = new long[f + 1];
        baseCost = new double[f + 1];
        for (int g = f - 1; g >= 0; g--) {
            int lightest = segments.first()[g];
            baseWeight[g] = baseWeight[g + 1] + w[free[g]][lightest];
            baseCost[g] = baseCost[g + 1] + c[free[g]][lightest];
        }
        size = segments.size();
        topStep = size == 0 ? 0 : Integer.highestOneBit(size);
        slope = segments.slope();
        segWeight = segments.weight();
        segCost = segments.cost();
        treeWeight = new long[size + 1];
        treeCost = new double[size + 1];
        below = new int[size];
        int[] count = new int[f];
        for (int g : segments.owner()) {
            count[g]++;
        }
        segmentsOf = new int[f][];
        for (int g = 0; g < f; g++) {
            segmentsOf[g] = new int[count[g]];
        }
        for (int t = 0; t < size; t++) {
            int g = segments.owner()[t];
            segmentsOf[g][--count[g]] = t;
            below[t] = t;
            // Linear-time Fenwick build: each node adds itself to its parent once.
            treeWeight[t + 1] += segWeight[t];
            treeCost[t + 1] += segCost[t];
            int parent = (t + 1) + ((t + 1) & -(t + 1));
            if (parent <= size) {
                treeWeight[parent] += treeWeight[t + 1];
                treeCost[parent] += treeCost[t + 1];
            }
        }
    }

    /**
     * Weight the groups after stage {@code g} need at least (each at its lightest alive item, which is always on its
     * hull): a state heavier than the capacity minus this cannot be completed.
     */
    long lightestAfter(int g) {
        return baseWeight[g + 1];
    }

    /** Prepares the bound for the groups after stage {@code g} (stages come in order 0, 1, 2, ...). */
    void startStage(int g) {
        for (int t : segmentsOf[g]) {
            below[t] = t - 1;
            for (int node = t + 1; node <= size; node += node & -node) {
                treeWeight[node] -= segWeight[t];
                treeCost[node] -= segCost[t];
            }
        }
        stage = g + 1;
        lastExtra = -1; // the next call descends
    }

    /**
     * The last segment at or below position {@code t} that is still present (path halving; pointers never
     * skip a present segment, and the callers know one exists at or below {@code t}).
     */
    private int presentAtOrBelow(int t) {
        while (below[t] != t) {
            below[t] = below[below[t]];
            t = below[t];
        }
        return t;
    }

    /**
     * Descends the tree to the longest prefix of segments weighing at most {@code extra}; the next segment
     * (present, since a removed one weighs 0 and would have extended the prefix) is the fractional one.
     */
    private void descend(long extra) {
        whole = 0;
        weight = 0;
        cost = 0;
        for (int step = topStep; step > 0; step >>= 1) {
            int next = whole + step;
            if (next <= size && weight + treeWeight[next] <= extra) {
                whole = next;
                weight += treeWeight[next];
                cost += treeCost[next];
            }
        }
    }

    /**
     * Least LP cost of the remaining groups within {@code room} units (+infinity if they cannot fit). Within a
     * stage the DP asks with decreasing rooms, so the answer usually lies a few segments below the last one:
     * walk down from there, and descend the tree only at a stage's first call or after a long walk.
     */
    double value(long room) {
        long extra = room - baseWeight[stage];
        if (extra < 0) {
            return Double.POSITIVE_INFINITY;
        }
        if (extra > lastExtra) {
            descend(extra);
        } else {
            // Walk down to the longest prefix weighing at most extra (it was the last call's or shorter).
            int steps = 0;
            while (weight > extra) {
                if (++steps > MAX_WALK) {
                    descend(extra);
                    break;
                }
                whole = presentAtOrBelow(whole - 1); // the last whole segment becomes the fractional one
                weight -= segWeight[whole];
                cost -= segCost[whole];
            }
        }
        lastExtra = extra;
        double v = baseCost[stage] + cost;
        if (whole < size) {
            v += slope[whole] * (extra - weight);
        }
        return v;
    }

    /**
     * Cost of the integral part of the last {@link #value} call's LP solution: the remaining groups at their
     * lightest items plus the whole segments, the fractional one left out. That part fits into the room, so it is a
     * feasible completion of the state asked about (its cost is an upper bound where {@code value} is a lower one).
     */
    double integralPart() {
        return baseCost[stage] + cost;
    }
}
