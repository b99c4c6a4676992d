package org.lmqt.mxq;

import java.util.Arrays;
import java.util.Comparator;

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
 * <li>builds an incumbent (the LP solution without its fractional group, then greedy filling of the slack; only
 *     the incumbent's cost matters to the proof),</li>
 * <li>fixes every item with {@code r > gap} out, and</li>
 * <li>enumerates the remaining groups by dynamic programming over Pareto-optimal partial states (weight, cost):
 *     a partial state with reduced-cost sum above {@code gap} cannot be completed to an allocation better than the
 *     incumbent, nor can one whose cost plus the LP bound of the remaining groups in the capacity left exceeds the
 *     incumbent's cost on the same groups; one that cannot fit the smallest remaining items is infeasible, and a
 *     state with no less weight and no less cost than another can be replaced by that other in every completion.
 *     Every surviving state, completed by the integral part of that LP, is a feasible allocation, and the cheapest
 *     such completion becomes the incumbent for the rest of the DP.</li>
 * </ol>
 * Steps 4 and 5 run in rounds with a growing limit in place of {@code gap} (a round finds the best allocation among
 * the items below its limit and may lower {@code UB}); the last round's limit is the gap itself.
 * No step discards every optimal allocation, and the DP keeps the best completion of every surviving state (its
 * final states are such completions), so the cheapest allocation it meets in the last round is a global optimum. Floating point: the pruning tests compare against {@code gap} plus a
 * tolerance far above the rounding error of the sums (pruning less never loses optimality); weights and the capacity
 * are exact integers, so feasibility is exact. The objective is optimal up to the rounding of summing doubles.
 *
 * <p>Cost. The bound only prunes when it is compared with the incumbent's cost on the free groups alone (the DP's
 * costs leave the fixed groups out), and the LP completions lower that incumbent within the first stages of a round;
 * together they keep the DP to hundreds or thousands of states where the 405B tables once needed a million. A stage
 * is three sequential passes over primitive arrays ({@link ParetoDp}); the bound of the remaining groups is a Fenwick
 * tree over their hull segments ({@link RemainderBound}); the LP multiplier comes from a weighted quickselect
 * ({@link LpRelaxation}). What is left is about half DP and half the O(n K) set-up of each round.
 *
 * <p>Ties are broken deterministically: among equal items the lower config index; among allocations of equal cost
 * the first the DP meets (stages in order, each stage's states by weight, then by the lower item).
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
        double lambda = LpRelaxation.solve(c, w, cap, eff, choice);
        fillSlack(c, w, cap, eff, choice);
        double ub = problem.objective(choice);

        // Stage 3: Lagrangian bound and reduced costs.
        Lagrangian bound = Lagrangian.of(c, w, cap, eff, lambda, ub);
        double lb = bound.lb();
        double[][] reduced = bound.reduced();
        double tol = bound.tol();

        // Stage 4: core iterations. Restrict to items with reduced cost <= delta, solve that exactly by DP (stage 5),
        // keep the better incumbent. Once UB - LB <= delta, the items left out cannot be in any allocation better
        // than the incumbent (their reduced cost alone exceeds UB - LB), so the incumbent is optimal. delta grows
        // fourfold per round and the last possible round admits every item with reduced cost <= UB - LB.
        double delta = Math.max(ub - lb, 0) / 64;
        int rounds = 0;
        int states = 0;
        int open = 0;
        ParetoDp dp = new ParetoDp();
        int[] stageOrder = stageOrder(w, eff, reduced);
        while (true) {
            rounds++;
            double gap = Math.max(ub - lb, 0);
            double limit = Math.min(delta, gap) + tol;
            int[] trial = choice.clone();
            Core core = Core.of(c, w, eff, reduced, stageOrder, limit, trial);
            // The DP sees the free groups only: its costs leave out the fixed groups' cost, and so must the incumbent.
            int found = dp.run(c, w, cap - core.fixedWeight(), core.free(), core.alive(), core.reduced(), limit,
                    ub - core.fixedCost(), tol, trial);
            states += Math.max(found, 0);
            open = core.free().length;
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
     * The Lagrangian bound at {@code lambda} and the reduced costs.
     *
     * @param lb      {@code sum_i min_k (c[i][k] + lambda w[i][k]) - lambda C}
     * @param reduced per group the reduced cost of each efficient item, parallel to {@code eff}; [n][]
     * @param tol     the pruning tolerance: 1e-10 of the magnitude of every term summed (the rounding of those sums
     *                is about 1e-16 relative per term, far below)
     */
    private record Lagrangian(double lb, double[][] reduced, double tol) {
        static Lagrangian of(double[][] c, long[][] w, long cap, int[][] eff, double lambda, double ub) {
            int n = eff.length;
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
            return new Lagrangian(lb, reduced, 1e-10 * magnitude);
        }
    }

    /**
     * The items of one core round: per group the efficient items with reduced cost at most {@code limit}; groups
     * with a single such item are fixed (written into {@code choice}), the others are free, in DP stage order.
     *
     * @param free        the free groups in stage order; [f]
     * @param alive       per group its items within the limit, weight ascending; [n][]
     * @param reduced     their reduced costs, parallel to {@code alive}; [n][]
     * @param fixedWeight summed weight of the fixed groups' items
     * @param fixedCost   summed cost of the fixed groups' items
     */
    private record Core(int[] free, int[][] alive, double[][] reduced, long fixedWeight, double fixedCost) {

        static Core of(double[][] c, long[][] w, int[][] eff, double[][] reducedAll, int[] stageOrder, double limit,
                int[] choice) {
            int n = eff.length;
            int[][] alive = new int[n][];
            double[][] reduced = new double[n][];
            long fixedWeight = 0;
            double fixedCost = 0;
            for (int i = 0; i < n; i++) {
                int m = 0;
                int[] items = new int[eff[i].length];
                double[] r = new double[eff[i].length];
                for (int t = 0; t < eff[i].length; t++) {
                    if (reducedAll[i][t] <= limit) {
                        items[m] = eff[i][t];
                        r[m++] = reducedAll[i][t];
                    }
                }
                alive[i] = Arrays.copyOf(items, m);
                reduced[i] = Arrays.copyOf(r, m);
                if (m == 1) {
                    choice[i] = items[0];
                    fixedWeight += w[i][items[0]];
                    fixedCost += c[i][items[0]];
                }
            }
            int[] free = Arrays.stream(stageOrder).filter(i -> alive[i].length > 1).toArray();
            return new Core(free, alive, reduced, fixedWeight, fixedCost);
        }
    }

    /**
     * The order in which the DP takes the groups (any order is exact). Largest matrices first, small ones last: the
     * small matrices can fill the capacity left in fine steps, so the LP bound of the remaining groups stays tight
     * until late and prunes most partial states. Among equal sizes, groups whose cheapest alternative has the
     * largest reduced cost first: their costly choices are pruned early. Then by index.
     */
    private static int[] stageOrder(long[][] w, int[][] eff, double[][] reduced) {
        int n = eff.length;
        double[] second = new double[n]; // [n] least positive reduced cost of each group
        Integer[] order = new Integer[n];
        for (int i = 0; i < n; i++) {
            second[i] = Double.POSITIVE_INFINITY;
            for (double r : reduced[i]) {
                second[i] = r > 0 ? Math.min(second[i], r) : second[i];
            }
            order[i] = i;
        }
        Arrays.sort(order, Comparator.comparingLong((Integer i) -> -w[i][eff[i][0]])
                .thenComparingDouble(i -> -second[i]).thenComparingInt(i -> i));
        return Arrays.stream(order).mapToInt(Integer::intValue).toArray();
    }

    /** Indices of the items not dominated by another, sorted by weight ascending (cost strictly descending). */
    static int[] efficientItems(double[] cost, long[] weight) {
        // Insertion sort by (weight, cost, index): a group holds a dozen items.
        int[] idx = new int[cost.length];
        for (int k = 0; k < idx.length; k++) {
            int j = k;
            while (j > 0 && before(k, idx[j - 1], cost, weight)) {
                idx[j] = idx[j - 1];
                j--;
            }
            idx[j] = k;
        }
        int m = 0;
        for (int k : idx) {
            if (m == 0 || cost[k] < cost[idx[m - 1]]) {
                idx[m++] = k;
            }
        }
        return Arrays.copyOf(idx, m);
    }

    /** Whether item {@code a} sorts before item {@code b} (inserted later, so equal keys keep index order). */
    private static boolean before(int a, int b, double[] cost, long[] weight) {
        return weight[a] != weight[b] ? weight[a] < weight[b] : cost[a] < cost[b];
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
}
