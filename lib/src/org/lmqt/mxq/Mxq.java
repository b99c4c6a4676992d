package org.lmqt.mxq;

import java.util.List;
import tech.tablesaw.api.Table;

/**
 * MXQ allocation (spec §4.6-4.7): one quantization config per weight matrix, minimal summed cost, average bits per
 * parameter within a budget. Entry point for scripts and JShell:
 * <pre>
 *   Table fnorm = Table.read().csv("fnorm-Llama-2-7b-hf.csv");
 *   Table allot = Mxq.allocate(fnorm, 4.25);                 // quant-cfg-allot schema
 *   Mxq.allocate(fnorm, 4.25, MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.SENSI_MILP));
 * </pre>
 */
public final class Mxq {

    private Mxq() {}

    /** Plain MXQ with the exact solver; the allocation as a table (quant-cfg-allot schema). */
    public static Table allocate(Table fnorm, double budget) {
        return allocate(fnorm, budget, MxqOptions.DEFAULTS);
    }

    /** The allocation of a variant as a table (quant-cfg-allot schema, model named after the table). */
    public static Table allocate(Table fnorm, double budget, MxqOptions options) {
        FnormTable table = FnormTable.of(fnorm);
        return AllotTables.allocation(AllotTables.modelName(table.name()), List.of(solve(table, budget, options)),
                null);
    }

    /** Solves (or, for rule-based variants, applies the rules) for one budget. */
    public static Allocation solve(FnormTable table, double budget, MxqOptions options) {
        return solve(table, CostFunctions.of(table, options), budget, options);
    }

    /** As {@link #solve(FnormTable, double, MxqOptions)} with costs computed once for many budgets. */
    public static Allocation solve(FnormTable table, double[][] cost, double budget, MxqOptions options) {
        AllocationProblem problem = AllocationProblem.of(table, cost, budget, options.tolerancePct());
        long start = System.nanoTime();
        int[] choice;
        boolean optimal;
        String status;
        if (options.weightAlgo().ruleBased()) {
            choice = BoostAllocator.allocate(table, budget, options);
            optimal = false;
            status = "rule-based";
        } else {
            MckpSolver.Solution s = options.solver().create(options.timeLimitSeconds()).solve(problem);
            choice = s.choice();
            optimal = s.optimal();
            status = s.status();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return new Allocation(problem, choice, options.weightAlgo(), problem.objective(choice),
                problem.mebibytes(problem.weightOf(choice)), seconds, optimal, status);
    }
}
