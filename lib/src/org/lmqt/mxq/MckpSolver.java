package org.lmqt.mxq;

/** Solves an {@link AllocationProblem}: one config index per matrix. */
public interface MckpSolver {

    /**
     * What a solver found.
     *
     * @param choice  config index per matrix; [N]
     * @param optimal whether optimality is proven (zero gap for the exact solver)
     * @param status  one line about how the solve ended
     */
    record Solution(int[] choice, boolean optimal, String status) {}

    /** Short name ({@code exact}, {@code ojalgo}). */
    String name();

    /** Solves the problem; the result's memory is within the capacity. */
    Solution solve(AllocationProblem problem);
}
