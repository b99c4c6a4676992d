package org.lmqt.mxq;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Exact solver for the multiple-choice knapsack of MXQ: proven optimal, zero gap, memory decided in exact integers.
 *
 * <p>Why the result is optimal. Write {@code c[i][k]}, {@code w[i][k]} for cost and weight, {@code C} for the
 * capacity. For any {@code lambda >= 0} and any feasible allocation {@code x} (one item per group, total weight
 * {@code <= C}):
 * <pre>
 *   cost(x) = sum_i (c[i][x_i] + lambda w[i][x_i]) - lambda sum_i w[i][x_i]
 *          >= sum_i min_k (c[i][k] + lambda w[i][k]) + sum_i r[i][x_i] - lambda C  =  LB + sum_i r[i][x_i]
 * </pre>
 * with reduced costs {@code r[i][k] = c[i][k] + lambda w[i][k] - min_k(...) >= 0}. Given any feasible incumbent of
 * cost {@code UB}, every allocation at least as good as the incumbent therefore has
 * {@code sum_i r[i][x_i] <= UB - LB = gap}. The solver
 * <ol>
 * <li>drops dominated items (another item of the group has no more weight and no more cost; some optimum avoids
 *     them), </li>
 * <li>takes {@code lambda} from the LP relaxation (greedy over the lower convex hulls, the LP dual, so {@code LB} is
 *     the LP bound; any {@code lambda >= 0} would keep the argument valid),</li>
 * <li>builds an incumbent (the LP solution without its fractional group, then greedy filling of the slack, then
 *     local search over changes of one group or of two groups at once, among the items with {@code r <= gap}
 *     only, since any other item alone makes an allocation dearer than the incumbent; only the incumbent's cost
 *     matters to the proof),</li>
 * <li>fixes every item with {@code r > gap} out, and</li>
 * <li>enumerates the remaining groups by dynamic programming over Pareto-optimal partial states (weight, cost):
 *     a partial state with reduced-cost sum above {@code gap} cannot be completed to an allocation better than the
 *     incumbent, nor can one whose cost plus the LP bound of the remaining groups in the capacity left exceeds
 *     {@code UB}; one that cannot fit the smallest remaining items is infeasible, and a state with no less weight
 *     and no less cost than another can be replaced by that other in every completion.</li>
 * </ol>
 * Steps 4 and 5 run in rounds with a growing limit in place of {@code gap} (a round finds the best allocation among
 * the items below its limit and may lower {@code UB}); the last round's limit is the gap itself.
 * No step discards every optimal allocation, and the DP keeps the best completion of every surviving state, so the
 * cheapest final state is a global optimum. Floating point: the pruning tests compare against {@code gap} plus a
 * tolerance far above the rounding error of the sums (pruning less never loses optimality); weights and the capacity
 * are exact integers, so feasibility is exact. The objective is optimal up to the rounding of summing doubles.
 *
 * <p>Cost. The work of a DP stage is proportional to its candidates (state, item) that pass the reduced-cost test:
 * each state visits its group's items in order of reduced cost and stops at the first one over the limit. The LP
 * bound of the remaining groups is a Fenwick tree over their hull segments in slope order, so a stage updates it in
 * O(log S) and a query walks a few segments from the last answer (rooms decrease along a stage).
 *
 * <p>Ties are broken deterministically: among equal items the lower config index; among final states of equal cost
 * the one with less memory; then the one reached first (lower config indices in earlier matrices of the free set).
 */
public final class ExactMckpSolver implements MckpSolver {

    @Override
    public String name() {
        return "exact";
    }

    @Override
    public Solution solve(AllocationProblem problem) {
        double[][] c = problem.cost();
        long[][] w = problem.weight();
        long cap = problem.capacity();
        int n = problem.size();

        // Stage 1: efficient items per group, weight ascending with cost strictly descending.
        int[][] eff = new int[n][];
        for (int i = 0; i < n; i++) {
            eff[i] = efficientItems(c[i], w[i]);
        }

        // Stage 2: LP relaxation by the greedy over hull segments, giving lambda, and an integral incumbent.
        int[] choice = new int[n];
        double lambda = lpMultiplier(c, w, cap, eff, choice);
        fillSlack(c, w, cap, eff, choice);
        double ub = problem.objective(choice);

        // Stage 3: Lagrangian bound and reduced costs.
        double[][] reduced = new double[n][];
        double lb = -lambda * cap;
        double magnitude = Math.abs(ub) + lambda * cap;
        for (int i = 0; i < n; i++) {
            double best = Double.POSITIVE_INFINITY;
            for (int k : eff[i]) {
                best = Math.min(best, c[i][k] + lambda * w[i][k]);
                magnitude += Math.abs(c[i][k]);
            }
            reduced[i] = new double[eff[i].length];
            for (int t = 0; t < eff[i].length; t++) {
                int k = eff[i][t];
                reduced[i][t] = c[i][k] + lambda * w[i][k] - best;
            }
            lb += best;
        }
        // Rounding of the sums above is ~1e-16 relative per term; 1e-10 of the total magnitude is far above it.
        double tol = 1e-10 * magnitude;

        // Stage 3b: local search from the incumbent. An allocation holding an item of reduced cost above UB - LB
        // costs more than UB, so only the items within that gap can take part in an improving move.
        localSearch(c, w, cap, Core.within(eff, reduced, ub - lb + tol), choice);
        ub = problem.objective(choice);

        // Stage 4: core iterations. Restrict to items with reduced cost <= delta, solve that exactly by DP (stage 5),
        // keep the better incumbent. Once UB - LB <= delta, the items left out cannot be in any allocation better
        // than the incumbent (their reduced cost alone exceeds UB - LB), so the incumbent is optimal. delta grows
        // fourfold per round and the last possible round admits every item with reduced cost <= UB - LB.
        double delta = Math.max(ub - lb, 0) / 64;
        int rounds = 0;
        int states = 0;
        int open = 0;
        while (true) {
            rounds++;
            double gap = Math.max(ub - lb, 0);
            double limit = Math.min(delta, gap) + tol;
            int[] trial = choice.clone();
            Core core = Core.of(w, eff, reduced, limit, trial);
            int found = enumerate(c, w, cap - core.fixedWeight(), core.free(), core.alive(), core.reduced(), limit,
                    ub + tol, trial);
            states += Math.max(found, 0);
            open = core.free().size();
            if (found > 0 && problem.weightOf(trial) <= cap && problem.objective(trial) <= ub) {
                choice = trial;
                ub = problem.objective(trial);
            }
            if (ub - lb <= delta || delta >= gap) {
                break;
            }
            delta *= 4;
        }
        if (problem.weightOf(choice) > cap) {
            throw new IllegalStateException("internal error: exact MCKP solution exceeds the capacity");
        }
        return new Solution(choice, true, String.format("optimal (zero gap): objective %s, LP bound %s, %d core "
                + "rounds, %d of %d matrices open in the last, %d DP states", ub, lb, rounds, open, n, states));
    }

    /**
     * The items of one core round: per group the efficient items with reduced cost at most {@code limit}; groups
     * with a single such item are fixed (written into {@code choice}), the others are free.
     */
    private record Core(List<Integer> free, int[][] alive, double[][] reduced, long fixedWeight) {
        /** Per group the efficient items with reduced cost at most {@code limit}. */
        static int[][] within(int[][] eff, double[][] reducedAll, double limit) {
            int[][] keep = new int[eff.length][];
            for (int i = 0; i < eff.length; i++) {
                int m = 0;
                int[] k = new int[eff[i].length];
                for (int t = 0; t < eff[i].length; t++) {
                    if (reducedAll[i][t] <= limit) {
                        k[m++] = eff[i][t];
                    }
                }
                keep[i] = Arrays.copyOf(k, m);
            }
            return keep;
        }

        static Core of(long[][] w, int[][] eff, double[][] reducedAll, double limit, int[] choice) {
            int n = eff.length;
            List<Integer> free = new ArrayList<>();
            double[][] reduced = new double[n][];
            long fixedWeight = 0;
            int[][] alive = within(eff, reducedAll, limit);
            for (int i = 0; i < n; i++) {
                // The same filter as within's, so reduced[i] runs parallel to alive[i].
                reduced[i] = Arrays.stream(reducedAll[i]).filter(r -> r <= limit).toArray();
                if (alive[i].length == 1) {
                    choice[i] = alive[i][0];
                    fixedWeight += w[i][alive[i][0]];
                } else {
                    free.add(i);
                }
            }
            // Largest matrices first, small ones last (any order is exact): the small matrices can fill the capacity
            // left in fine steps, so the LP bound of the remaining groups stays tight until late and prunes most
            // partial states (on the 70B/405B tables 2-4x fewer states in the slowest cases than the order below alone, ~20% more in the median). Among equal sizes,
            // groups whose alternatives have the largest reduced costs first: their costly choices are pruned early.
            double[] order = new double[n];
            for (int i : free) {
                double second = Double.POSITIVE_INFINITY;
                for (double r : reduced[i]) {
                    second = r > 0 ? Math.min(second, r) : second;
                }
                order[i] = second;
            }
            java.util.Comparator<Integer> byRed = java.util.Comparator.comparingDouble((Integer i) -> -order[i]);
            free.sort(java.util.Comparator.comparingLong((Integer i) -> -w[i][0]).thenComparing(byRed)
                    .thenComparingInt(i -> i));
            return new Core(free, alive, reduced, fixedWeight);
        }
    }

    /** Indices of the items not dominated by another, sorted by weight ascending (cost strictly descending). */
    static int[] efficientItems(double[] cost, long[] weight) {
        Integer[] idx = new Integer[cost.length];
        for (int k = 0; k < idx.length; k++) {
            idx[k] = k;
        }
        Arrays.sort(idx, (a, b) -> weight[a] != weight[b] ? Long.compare(weight[a], weight[b])
                : cost[a] != cost[b] ? Double.compare(cost[a], cost[b]) : Integer.compare(a, b));
        int[] out = new int[idx.length];
        int m = 0;
        for (int k : idx) {
            if (m == 0 || cost[k] < cost[out[m - 1]]) {
                out[m++] = k;
            }
        }
        return Arrays.copyOf(out, m);
    }

    /**
     * Greedy LP relaxation: start every group at its lightest efficient item, then take lower-hull segments in order
     * of steepest cost decrease per weight while they fit. Leaves the integral part in {@code choice} and returns the
     * LP multiplier (minus the slope of the first segment that does not fit, 0 if all fit).
     */
    private static double lpMultiplier(double[][] c, long[][] w, long cap, int[][] eff, int[] choice) {
        record Segment(int group, int to, long dw, double slope) {}
        List<Segment> segments = new ArrayList<>();
        long used = 0;
        for (int i = 0; i < eff.length; i++) {
            choice[i] = eff[i][0];
            used += w[i][eff[i][0]];
            int[] hull = lowerHull(c[i], w[i], eff[i]);
            for (int t = 1; t < hull.length; t++) {
                long dw = w[i][hull[t]] - w[i][hull[t - 1]];
                segments.add(new Segment(i, hull[t], dw, (c[i][hull[t]] - c[i][hull[t - 1]]) / dw));
            }
        }
        // Hull slopes increase along a group, so this order takes each group's segments in sequence.
        segments.sort((a, b) -> a.slope() != b.slope() ? Double.compare(a.slope(), b.slope())
                : a.group() != b.group() ? Integer.compare(a.group(), b.group()) : Long.compare(a.dw(), b.dw()));
        for (Segment s : segments) {
            if (used + s.dw() > cap) {
                return -s.slope();
            }
            used += s.dw();
            choice[s.group()] = s.to();
        }
        return 0;
    }

    /** Lower convex hull of the efficient items (weight ascending), collinear points dropped. */
    private static int[] lowerHull(double[] c, long[] w, int[] eff) {
        int[] hull = new int[eff.length];
        int m = 0;
        for (int k : eff) {
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

    /** Improves the incumbent greedily: repeatedly the single-group change that saves most cost and still fits. */
    private static void fillSlack(double[][] c, long[][] w, long cap, int[][] eff, int[] choice) {
        long used = 0;
        for (int i = 0; i < choice.length; i++) {
            used += w[i][choice[i]];
        }
        while (true) {
            int bestGroup = -1;
            int bestItem = -1;
            double bestGain = 0;
            for (int i = 0; i < choice.length; i++) {
                for (int k : eff[i]) {
                    double gain = c[i][choice[i]] - c[i][k];
                    if (gain > bestGain && used - w[i][choice[i]] + w[i][k] <= cap) {
                        bestGain = gain;
                        bestGroup = i;
                        bestItem = k;
                    }
                }
            }
            if (bestGroup < 0) {
                return;
            }
            used += w[bestGroup][bestItem] - w[bestGroup][choice[bestGroup]];
            choice[bestGroup] = bestItem;
        }
    }

    /**
     * Improves the incumbent by local search: repeatedly the best change of one group, or of two different groups at
     * once, that saves cost and still fits. The moves of a pass are sorted by weight change; a prefix minimum of the
     * cost change (best and best of another group) gives each move its best partner in one binary search.
     */
    static void localSearch(double[][] c, long[][] w, long cap, int[][] eff, int[] choice) {
        int n = choice.length;
        int total = 0;
        for (int[] e : eff) {
            total += e.length;
        }
        int[] group = new int[total];  // [M] group of each move
        int[] item = new int[total];   // [M] item it switches to
        long[] dw = new long[total];   // [M] weight change
        double[] dc = new double[total]; // [M] cost change
        long[] sortedDw = new long[total];
        int[] best1 = new int[total];  // [M] move with the least cost change among sorted positions 0..p
        int[] best2 = new int[total];  // [M] same among moves of other groups than best1's
        double scale = 0;
        for (int i = 0; i < n; i++) {
            scale += Math.abs(c[i][choice[i]]);
        }
        double eps = 1e-12 * scale;
        for (int pass = 0; pass < 8 * n; pass++) {
            long used = 0;
            for (int i = 0; i < n; i++) {
                used += w[i][choice[i]];
            }
            long slack = cap - used;
            // Moves of this pass, sorted by weight change.
            int m = 0;
            for (int i = 0; i < n; i++) {
                for (int k : eff[i]) {
                    if (k != choice[i]) {
                        group[m] = i;
                        item[m] = k;
                        dw[m] = w[i][k] - w[i][choice[i]];
                        dc[m] = c[i][k] - c[i][choice[i]];
                        m++;
                    }
                }
            }
            int[] order = stableOrder(dw, m);
            for (int p = 0; p < m; p++) {
                int t = order[p];
                sortedDw[p] = dw[t];
                if (p == 0) {
                    best1[p] = t;
                    best2[p] = -1;
                    continue;
                }
                int b1 = best1[p - 1];
                int b2 = best2[p - 1];
                if (dc[t] < dc[b1]) {
                    best2[p] = group[t] == group[b1] ? b2 : b1;
                    best1[p] = t;
                } else {
                    best1[p] = b1;
                    best2[p] = group[t] != group[b1] && (b2 < 0 || dc[t] < dc[b2]) ? t : b2;
                }
            }
            // Best single move or pair.
            double bestGain = -eps;
            int moveA = -1;
            int moveB = -1;
            for (int a = 0; a < m; a++) {
                if (dw[a] <= slack && dc[a] < bestGain) {
                    bestGain = dc[a];
                    moveA = a;
                    moveB = -1;
                }
                int p = lastAtMost(sortedDw, m, slack - dw[a]);
                if (p < 0) {
                    continue;
                }
                int b = group[best1[p]] != group[a] ? best1[p] : best2[p];
                if (b >= 0 && dc[a] + dc[b] < bestGain) {
                    bestGain = dc[a] + dc[b];
                    moveA = a;
                    moveB = b;
                }
            }
            if (moveA < 0) {
                return;
            }
            choice[group[moveA]] = item[moveA];
            if (moveB >= 0) {
                choice[group[moveB]] = item[moveB];
            }
        }
    }

    /**
     * Indices {@code 0..m-1} ordered by {@code key} ascending, equal keys in index order: a counting sort over the
     * ranks of the distinct keys (weight changes take few distinct values, as matrices of a kind share weights).
     */
    static int[] stableOrder(long[] key, int m) {
        long[] distinct = Arrays.copyOf(key, m);
        Arrays.sort(distinct);
        int d = 0;
        for (int t = 0; t < m; t++) {
            if (d == 0 || distinct[t] != distinct[d - 1]) {
                distinct[d++] = distinct[t];
            }
        }
        int[] rank = new int[m];  // [m]
        int[] start = new int[d + 1]; // [d + 1] first output position of each rank
        for (int t = 0; t < m; t++) {
            rank[t] = Arrays.binarySearch(distinct, 0, d, key[t]);
            start[rank[t] + 1]++;
        }
        for (int r = 0; r < d; r++) {
            start[r + 1] += start[r];
        }
        int[] order = new int[m];
        for (int t = 0; t < m; t++) {
            order[start[rank[t]]++] = t;
        }
        return order;
    }

    /** Largest index {@code p < m} with {@code sorted[p] <= x}, -1 if none. */
    private static int lastAtMost(long[] sorted, int m, long x) {
        int lo = 0;
        int hi = m;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo - 1;
    }

    /**
     * DP over the free groups. A stage holds the Pareto-optimal partial states (weight strictly increasing, cost
     * strictly decreasing) with their reduced-cost sums; each is extended by every alive item of the next group,
     * and the K shifted lists (each sorted by weight) are merged with dominance filtering. Writes the best
     * allocation of the free groups into {@code choice}; returns the number of states created.
     */
    private static int enumerate(double[][] c, long[][] w, long cap, List<Integer> free, int[][] alive,
            double[][] reduced, double limit, double ubLimit, int[] choice) {
        int f = free.size();
        RemainderBound bound = new RemainderBound(c, w, free, alive);
        // Lightest alive item of every free group, summed from the back: weight still to come after stage g.
        long[] minRest = new long[f + 1];
        for (int g = f - 1; g >= 0; g--) {
            int i = free.get(g);
            long min = Long.MAX_VALUE;
            for (int k : alive[i]) {
                min = Math.min(min, w[i][k]);
            }
            minRest[g] = minRest[g + 1] + min;
        }
        long[] mem = {0};
        double[] cost = {0};
        double[] red = {0};
        int[][] parent = new int[f][];
        int[][] item = new int[f][];
        int total = 1;
        CandidateLists lists = new CandidateLists();
        for (int g = 0; g < f; g++) {
            int i = free.get(g);
            int[] items = alive[i];
            int q = items.length;
            long[] itemWeight = new long[q]; // [q]
            double[] itemCost = new double[q]; // [q]
            for (int t = 0; t < q; t++) {
                itemWeight[t] = w[i][items[t]];
                itemCost[t] = c[i][items[t]];
            }
            long room = cap - minRest[g + 1];
            bound.startStage(g);
            // Candidates: per item the states it may extend (reduced-cost sum within the limit, weight within the
            // room), each list in weight order. A state visits the items by reduced cost ascending and stops at the
            // first one over the limit, so the work is the number of candidates rather than states x items.
            int[] byReduced = byAscending(reduced[i]); // [q]
            lists.ensure(q, mem.length);
            int[][] list = lists.list; // [q][len[t]] state indices
            int[] len = new int[q];
            for (int s = 0; s < mem.length; s++) {
                for (int t : byReduced) {
                    if (red[s] + reduced[i][t] > limit) {
                        break;
                    }
                    if (mem[s] + itemWeight[t] <= room) {
                        list[t][len[t]++] = s;
                    }
                }
            }
            // Merge the shifted lists in weight order (ties: cheaper, then lower item), keeping only states cheaper
            // than every lighter one (Pareto) whose bound still beats the incumbent.
            int cap0 = 0;
            for (int t = 0; t < q; t++) {
                cap0 += len[t];
            }
            long[] nMem = new long[cap0];
            double[] nCost = new double[cap0];
            double[] nRed = new double[cap0];
            int[] nParent = new int[cap0];
            int[] nItem = new int[cap0];
            int[] head = new int[q];
            int m = 0;
            double bestCost = Double.POSITIVE_INFINITY;
            while (true) {
                int pick = -1;
                long mp = 0;
                double cp = 0;
                for (int t = 0; t < q; t++) {
                    if (head[t] == len[t]) {
                        continue;
                    }
                    int s = list[t][head[t]];
                    long mt = mem[s] + itemWeight[t];
                    double ct = cost[s] + itemCost[t];
                    if (pick < 0 || mt < mp || (mt == mp && ct < cp)) {
                        pick = t;
                        mp = mt;
                        cp = ct;
                    }
                }
                if (pick < 0) {
                    break;
                }
                int s = list[pick][head[pick]++];
                if (cp < bestCost && cp + bound.value(cap - mp) <= ubLimit) {
                    bestCost = cp;
                    nMem[m] = mp;
                    nCost[m] = cp;
                    nRed[m] = red[s] + reduced[i][pick];
                    nParent[m] = s;
                    nItem[m] = items[pick];
                    m++;
                }
            }
            if (m == 0) {
                return -1; // no allocation of this core beats the incumbent
            }
            mem = Arrays.copyOf(nMem, m);
            cost = Arrays.copyOf(nCost, m);
            red = Arrays.copyOf(nRed, m);
            parent[g] = Arrays.copyOf(nParent, m);
            item[g] = Arrays.copyOf(nItem, m);
            total += m;
        }
        // Costs strictly decrease along the last stage, so its last state is the cheapest.
        int s = mem.length - 1;
        for (int g = f - 1; g >= 0; g--) {
            choice[free.get(g)] = item[g][s];
            s = parent[g][s];
        }
        return total;
    }

    /** Indices of {@code values} in ascending order of value (stable). */
    private static int[] byAscending(double[] values) {
        int[] idx = new int[values.length];
        for (int t = 0; t < idx.length; t++) {
            int j = t;
            while (j > 0 && values[idx[j - 1]] > values[t]) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = t;
        }
        return idx;
    }

    /** Per-item candidate buffers of the DP, reused from stage to stage. */
    private static final class CandidateLists {
        int[][] list = new int[0][]; // [q][capacity] state indices

        void ensure(int q, int states) {
            if (list.length < q) {
                list = Arrays.copyOf(list, q);
            }
            for (int t = 0; t < q; t++) {
                if (list[t] == null || list[t].length < states) {
                    list[t] = new int[Math.max(2 * states, 64)];
                }
            }
        }
    }

    /**
     * LP bound of the free groups after the current DP stage as a function of the capacity left to them: every such
     * group at its lightest alive item, then lower-hull segments of all of them in order of slope, the last one
     * fractional. A lower bound on the cost any completion adds, so a state whose cost plus this bound exceeds the
     * incumbent cannot lead to a better allocation.
     *
     * <p>The segments sit in a Fenwick tree in slope order; a stage removes its own group's segments (a removed one
     * weighs 0) in O(log S), where rebuilding prefix sums per stage took O(S) and dominated the 405B solves. A query
     * walks down from the last answer over the segments still present, or descends the tree in O(log S).
     */
    static final class RemainderBound {
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

        RemainderBound(double[][] c, long[][] w, List<Integer> free, int[][] alive) {
            int f = free.size();
            baseWeight = new long[f + 1];
            baseCost = new double[f + 1];
            record Seg(int stage, long dw, double dc, double slope) {}
            List<Seg> segs = new ArrayList<>();
            for (int g = f - 1; g >= 0; g--) {
                int i = free.get(g);
                int[] hull = lowerHull(c[i], w[i], alive[i]);
                baseWeight[g] = baseWeight[g + 1] + w[i][hull[0]];
                baseCost[g] = baseCost[g + 1] + c[i][hull[0]];
                for (int t = 1; t < hull.length; t++) {
                    long dw = w[i][hull[t]] - w[i][hull[t - 1]];
                    double dc = c[i][hull[t]] - c[i][hull[t - 1]];
                    segs.add(new Seg(g, dw, dc, dc / dw));
                }
            }
            segs.sort((a, b) -> Double.compare(a.slope(), b.slope()));
            size = segs.size();
            topStep = size == 0 ? 0 : Integer.highestOneBit(size);
            treeWeight = new long[size + 1];
            treeCost = new double[size + 1];
            slope = new double[size];
            segWeight = new long[size];
            segCost = new double[size];
            below = new int[size];
            int[] count = new int[f];
            for (Seg seg : segs) {
                count[seg.stage()]++;
            }
            segmentsOf = new int[f][];
            for (int g = 0; g < f; g++) {
                segmentsOf[g] = new int[count[g]];
            }
            for (int t = 0; t < size; t++) {
                Seg seg = segs.get(t);
                segmentsOf[seg.stage()][--count[seg.stage()]] = t;
                slope[t] = seg.slope();
                segWeight[t] = seg.dw();
                segCost[t] = seg.dc();
                below[t] = t;
                // Linear-time Fenwick build: each node adds itself to its parent once.
                treeWeight[t + 1] += seg.dw();
                treeCost[t + 1] += seg.dc();
                int parent = (t + 1) + ((t + 1) & -(t + 1));
                if (parent <= size) {
                    treeWeight[parent] += treeWeight[t + 1];
                    treeCost[parent] += treeCost[t + 1];
                }
            }
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
    }
}
