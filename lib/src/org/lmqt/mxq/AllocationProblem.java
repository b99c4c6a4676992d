package org.lmqt.mxq;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.List;
import org.lmqt.cli.UserException;
import org.lmqt.quant.QuantConfig;

/**
 * The MXQ allocation problem (spec §4.6): choose one config per matrix, minimising the summed cost, with the total
 * weight memory at most the budget. A multiple-choice knapsack with one capacity constraint.
 *
 * <p>Memory is kept in exact integers: a config needs {@code b1 + 2*b2/g1 + 32/(g1*g2)} bits per parameter, so a
 * matrix needs {@code params * (b1*g1*g2 + 2*b2*g2 + 32) / (g1*g2)} bits, an integral number of units of
 * {@code 1/U} bit with {@code U = lcm(g1*g2)} over the configs (16384 for the 12 MXQ candidates). The budget of the
 * original, {@code B_MB = (100 + tol)/100 * P * budget / 8 / 2^20} MiB evaluated in double as Python does, is turned
 * into the largest whole number of units not above it, so "memory within budget" is decided without rounding.
 *
 * @param table          the FNorm table
 * @param cost           cost per matrix and config (variant dependent, {@link CostFunctions}); [N][K]
 * @param weight         memory per matrix and config in units of {@code 1/unitsPerBit} bit; [N][K]
 * @param unitsPerBit    U
 * @param budget         average bits per parameter asked for
 * @param tolerancePct   extra memory in percent (0 in the original's master branch)
 * @param budgetMiB      {@code B_MB} as the original computes it
 * @param capacity       {@code floor(B_MB * 8 * 2^20 * U)}, the capacity in units
 */
public record AllocationProblem(FnormTable table, double[][] cost, long[][] weight, long unitsPerBit, double budget,
        double tolerancePct, double budgetMiB, long capacity) {

    /** Builds the problem for {@code budget} bits per parameter; one-line error if no allocation fits. */
    public static AllocationProblem of(FnormTable table, double[][] cost, double budget, double tolerancePct) {
        if (!Double.isFinite(budget) || budget <= 0) {
            throw new UserException("budget must be a positive number of bits per parameter, got " + budget);
        }
        if (!Double.isFinite(tolerancePct) || tolerancePct <= -100) {
            throw new UserException("tolerance must be a percentage above -100, got " + tolerancePct);
        }
        long units = unitsPerBit(table.configs());
        long[][] weight = weights(table, units);
        long p = table.totalParams();
        // Same expression and evaluation order as the original (Python floats).
        double budgetMiB = (100 + tolerancePct) / 100 * p * budget / 8 / 1024 / 1024;
        long capacity = new BigDecimal(budgetMiB).multiply(BigDecimal.valueOf(8L * 1024 * 1024 * units))
                .setScale(0, RoundingMode.FLOOR).longValueExact();
        AllocationProblem problem = new AllocationProblem(table, cost, weight, units, budget, tolerancePct, budgetMiB,
                capacity);
        long min = problem.extremeWeight(false);
        if (min > capacity) {
            throw new UserException(String.format(
                    "budget %s is outside the feasible range of %s: budgets from %s bits per parameter up (the smallest "
                            + "configs everywhere) are solvable, above %s the budget does not bind%s",
                    budget, table.name(), problem.bitsPerParam(min), problem.bitsPerParam(problem.extremeWeight(true)),
                    tolerancePct == 0 ? "" : " (with tolerance " + tolerancePct + " %)"));
        }
        return problem;
    }

    public AllocationProblem {
        if (cost.length != table.size() || weight.length != table.size()) {
            throw new IllegalArgumentException("cost and weight need one row per matrix");
        }
        for (double[] row : cost) {
            for (double c : row) {
                if (!Double.isFinite(c)) {
                    throw new UserException("a cost of " + table.name() + " is not finite: " + c);
                }
            }
        }
    }

    /** {@code lcm(g1 * g2)} over the configs: memory of every config is a whole number of {@code 1/U} bits. */
    static long unitsPerBit(List<QuantConfig> configs) {
        long l = 1;
        for (QuantConfig c : configs) {
            long g = (long) c.group() * c.metaGroup();
            l = Math.multiplyExact(l / gcd(l, g), g);
        }
        return l;
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    private static long[][] weights(FnormTable table, long units) {
        long[][] w = new long[table.size()][table.configs().size()];
        for (int i = 0; i < w.length; i++) {
            long params = table.matrices().get(i).params();
            for (int j = 0; j < w[i].length; j++) {
                QuantConfig c = table.configs().get(j);
                long g = (long) c.group() * c.metaGroup();
                long perParam = (long) c.bits() * g + 2L * c.metaBits() * c.metaGroup() + 32;
                w[i][j] = Math.multiplyExact(params, Math.multiplyExact(perParam, units / g));
            }
        }
        return w;
    }

    /** Total weight with every matrix at its smallest ({@code largest == false}) or largest config. */
    long extremeWeight(boolean largest) {
        long sum = 0;
        for (long[] row : weight) {
            long e = row[0];
            for (long v : row) {
                e = largest ? Math.max(e, v) : Math.min(e, v);
            }
            sum = Math.addExact(sum, e);
        }
        return sum;
    }

    /** Budget (bits per parameter, tolerance removed) that a total weight corresponds to. */
    double bitsPerParam(long totalWeight) {
        return totalWeight / (double) unitsPerBit / table.totalParams() / ((100 + tolerancePct) / 100);
    }

    /** MiB of a weight in units. */
    public double mebibytes(long units) {
        return units / (8.0 * 1024 * 1024 * unitsPerBit);
    }

    /** Number of matrices. */
    public int size() {
        return cost.length;
    }

    /** Summed cost of an allocation (one config index per matrix). */
    public double objective(int[] choice) {
        double s = 0;
        for (int i = 0; i < choice.length; i++) {
            s += cost[i][choice[i]];
        }
        return s;
    }

    /** Summed weight of an allocation in units. */
    public long weightOf(int[] choice) {
        long s = 0;
        for (int i = 0; i < choice.length; i++) {
            s += weight[i][choice[i]];
        }
        return s;
    }
}
