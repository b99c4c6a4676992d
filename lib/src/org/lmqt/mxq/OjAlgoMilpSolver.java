package org.lmqt.mxq;

import org.ojalgo.optimisation.Expression;
import org.ojalgo.optimisation.ExpressionsBasedModel;
import org.ojalgo.optimisation.Optimisation;
import org.ojalgo.optimisation.Variable;

/**
 * The original's general MiLP formulation (spec §4.6) solved with ojAlgo: 12 N binary variables, one memory row
 * {@code 0 <= sum Mem x <= B_MB} (MiB, as the original) and one assignment row per matrix. Kept as an independent
 * cross-check of {@link ExactMckpSolver}; ojAlgo does not prove optimality on full-size instances within minutes.
 * Its answer is checked against the exact integer capacity afterwards.
 */
public final class OjAlgoMilpSolver implements MckpSolver {

    private final double timeLimitSeconds;

    /** A solver that gives up after {@code timeLimitSeconds} (reporting the best allocation found, not optimal). */
    public OjAlgoMilpSolver(double timeLimitSeconds) {
        this.timeLimitSeconds = timeLimitSeconds;
    }

    @Override
    public String name() {
        return "ojalgo";
    }

    @Override
    public Solution solve(AllocationProblem problem) {
        int n = problem.size();
        int k = problem.cost()[0].length;
        ExpressionsBasedModel model = new ExpressionsBasedModel();
        long ms = (long) Math.ceil(timeLimitSeconds * 1000);
        model.options.time_abort = ms;
        model.options.time_suffice = ms;
        // Variables x[i][j] in row-major order, objective weights = cost.
        Variable[][] x = new Variable[n][k];
        Expression memory = model.addExpression("memory").lower(0).upper(problem.budgetMiB());
        for (int i = 0; i < n; i++) {
            Expression one = model.addExpression("assign" + i).level(1);
            for (int j = 0; j < k; j++) {
                x[i][j] = model.addVariable("x" + i + "_" + j).binary().weight(problem.cost()[i][j]);
                one.set(x[i][j], 1);
                memory.set(x[i][j], problem.mebibytes(problem.weight()[i][j]));
            }
        }
        Optimisation.Result result = model.minimise();
        if (!result.getState().isFeasible()) {
            throw new IllegalStateException("ojAlgo found no allocation (" + result.getState() + ")");
        }
        // Read with rounding (x > 0.5), not "non-zero" as the original does (spec §8 item 9).
        int[] choice = new int[n];
        for (int i = 0; i < n; i++) {
            int best = 0;
            for (int j = 0; j < k; j++) {
                if (x[i][j].getValue().doubleValue() > x[i][best].getValue().doubleValue()) {
                    best = j;
                }
            }
            choice[i] = best;
        }
        if (problem.weightOf(choice) > problem.capacity()) {
            throw new IllegalStateException("ojAlgo's allocation exceeds the budget after rounding");
        }
        return new Solution(choice, result.getState().isOptimal(), "ojAlgo " + result.getState());
    }
}
