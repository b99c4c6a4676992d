package org.lmqt.mxq;

import org.lmqt.quant.QuantConfig;

/**
 * One allocation: a config per matrix for one budget.
 *
 * @param problem      the problem it answers (table, cost, budget)
 * @param choice       config index per matrix (into {@code problem.table().configs()}); [N]
 * @param weightAlgo   the variant
 * @param objective    summed cost of the chosen configs (for rule-based variants: summed fnorm)
 * @param memoryMiB    summed memory of the chosen configs, MiB
 * @param solveSeconds wall time of the solve
 * @param optimal      whether optimality is proven (false for rule-based variants, which do not optimise)
 * @param status       one line from the solver
 */
public record Allocation(AllocationProblem problem, int[] choice, WeightAlgo weightAlgo, double objective,
        double memoryMiB, double solveSeconds, boolean optimal, String status) {

    /** The config of matrix {@code i} (pivot order). */
    public QuantConfig config(int i) {
        return problem.table().configs().get(choice[i]);
    }

    /** Whether the memory is within the budget (always for the solvers; rule-based variants exceed it). */
    public boolean withinBudget() {
        return problem.weightOf(choice) <= problem.capacity();
    }
}
