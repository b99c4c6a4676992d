package org.lmqt.mxq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import tech.tablesaw.api.Table;

class ExactMckpSolverTest {

    @Test
    void reproducesTheProvenOptimaOfTheFixture() {
        Table golden = Table.read().csv(TestData.shared("fixtures/mxq/optimal-objectives.csv").toFile());
        assertTrue(golden.rowCount() >= 21);
        for (int r = 0; r < golden.rowCount(); r++) {
            String model = golden.stringColumn("model").get(r);
            double budget = golden.numberColumn("budget").getDouble(r);
            Allocation a = Mxq.solve(MxqData.src(model), budget, MxqOptions.DEFAULTS);
            double objective = golden.numberColumn("objective").getDouble(r);
            String where = model + " @ " + budget;
            assertEquals(objective, a.objective(), 1e-9 * objective, where);
            assertTrue(a.memoryMiB() <= golden.numberColumn("budget_mb").getDouble(r) + 1e-6, where);
            assertEquals(golden.numberColumn("budget_mb").getDouble(r), a.problem().budgetMiB(), 1e-6, where);
            assertTrue(a.optimal() && a.withinBudget(), where);
        }
    }

    /** Three matrices of random layers and modules: 1,728 allocations, checked by enumeration. */
    @Test
    void matchesBruteForceOnSmallInstances() {
        FnormTable full = MxqData.src("Llama-2-7b-hf");
        Random random = new Random(7);
        for (int trial = 0; trial < 12; trial++) {
            FnormTable small = subTable(full, random, 3);
            for (double budget = 2.2; budget < 8.6; budget += 0.37) {
                AllocationProblem p = AllocationProblem.of(small, small.fnorm(), budget, 0);
                MckpSolver.Solution s = new ExactMckpSolver().solve(p);
                assertEquals(bruteForce(p), p.objective(s.choice()), 1e-12, "trial " + trial + " budget " + budget);
                assertTrue(p.weightOf(s.choice()) <= p.capacity());
            }
        }
    }

    /**
     * Up to 16 matrices of the 70B and 405B tables (repeated weights, as in the full models), against a plain
     * Pareto-front DP with no bound, no fixing and no core: every pruning step of the solver is exercised.
     */
    @Test
    void matchesAnUnprunedParetoDpOnMediumInstances() {
        Random random = new Random(23);
        for (String model : List.of("Llama-2-70b-hf", "Meta-Llama-3.1-405B-Instruct")) {
            FnormTable full = MxqData.src(model);
            for (int trial = 0; trial < 6; trial++) {
                FnormTable medium = subTable(full, random, 10 + random.nextInt(7));
                for (double budget = 2.3 + random.nextDouble() * 0.3; budget < 8.5; budget += 0.61) {
                    AllocationProblem p = AllocationProblem.of(medium, medium.fnorm(), budget, 0);
                    MckpSolver.Solution s = new ExactMckpSolver().solve(p);
                    double reference = paretoOptimum(p);
                    String where = model + " trial " + trial + " budget " + budget;
                    assertEquals(reference, p.objective(s.choice()), 1e-9 * reference, where);
                    assertTrue(p.weightOf(s.choice()) <= p.capacity(), where);
                }
            }
        }
    }

    /**
     * The DP's bound (Fenwick tree, removals per stage, walks between queries) equals a plain LP of the remaining
     * groups (every hull segment in slope order, the last one fractional) for falling and rising rooms.
     */
    @Test
    void remainderBoundEqualsAPlainLpOfTheRemainingGroups() {
        FnormTable t = subTable(MxqData.src("Meta-Llama-3.1-405B-Instruct"), new Random(5), 40);
        double[][] c = t.fnorm();
        long[][] w = AllocationProblem.of(t, c, 4.0, 0).weight();
        List<Integer> free = new java.util.ArrayList<>();
        int[][] alive = new int[t.size()][];
        for (int i = 0; i < t.size(); i++) {
            free.add(t.size() - 1 - i);
            alive[i] = ExactMckpSolver.efficientItems(c[i], w[i]);
        }
        RemainderBound bound = new RemainderBound(c, w, free.stream().mapToInt(Integer::intValue).toArray(), alive);
        Random random = new Random(9);
        for (int g = 0; g < free.size(); g++) {
            bound.startStage(g);
            List<Integer> rest = free.subList(g + 1, free.size());
            long lightest = 0;
            long heaviest = 0;
            for (int i : rest) {
                lightest += w[i][alive[i][0]];
                heaviest += w[i][alive[i][alive[i].length - 1]];
            }
            long room = heaviest + 1000;
            for (int q = 0; q < 60; q++) {
                double expected = PlainLp.solve(c, w, rest, alive, room).value();
                double actual = bound.value(room);
                if (Double.isInfinite(expected)) {
                    assertEquals(expected, actual, "stage " + g + " room " + room);
                } else {
                    assertEquals(expected, actual, 1e-9 * (1 + Math.abs(expected)), "stage " + g + " room " + room);
                }
                // Mostly falling rooms, as in the DP, with an occasional jump up and a few below the lightest.
                long span = Math.max(heaviest - lightest, 1);
                room = q % 17 == 16 ? lightest + (long) (random.nextDouble() * span)
                        : room - (long) (random.nextDouble() * random.nextDouble() * span / 8);
                room = Math.max(room, lightest - span / 20);
            }
        }
    }

    @Test
    void ojAlgoAgreesOnSmallInstances() {
        FnormTable full = MxqData.src("Meta-Llama-3-8B");
        Random random = new Random(11);
        for (int trial = 0; trial < 3; trial++) {
            FnormTable small = subTable(full, random, 6);
            for (double budget : new double[] {3.07, 4.25, 5.5}) {
                AllocationProblem p = AllocationProblem.of(small, small.fnorm(), budget, 0);
                MckpSolver.Solution exact = new ExactMckpSolver().solve(p);
                MckpSolver.Solution milp = new OjAlgoMilpSolver(30).solve(p);
                double e = p.objective(exact.choice());
                double m = p.objective(milp.choice());
                assertTrue(p.weightOf(milp.choice()) <= p.capacity());
                assertTrue(e <= m + 1e-9, "exact " + e + " worse than ojAlgo " + m);
                if (milp.optimal()) {
                    assertEquals(e, m, 1e-6 * e, "trial " + trial + " budget " + budget);
                }
            }
        }
    }

    @Test
    void budgetsAboveTheLargestConfigDoNotBind() {
        FnormTable t = MxqData.src("Llama-2-7b-hf");
        Allocation a = Mxq.solve(t, 8.51, MxqOptions.DEFAULTS);
        double best = 0;
        for (double[] row : t.fnorm()) {
            double min = Double.POSITIVE_INFINITY;
            for (double v : row) {
                min = Math.min(min, v);
            }
            best += min;
        }
        assertEquals(best, a.objective(), 1e-9 * best);
    }

    static FnormTable subTable(FnormTable full, Random random, int matrices) {
        StringBuilder csv = new StringBuilder("layer,module,nbit1,gsize1,nbit2,gsize2,fnorm,memmb,params\n");
        List<Matrix> all = full.matrices();
        java.util.Set<Integer> picked = new java.util.TreeSet<>();
        while (picked.size() < matrices) {
            picked.add(random.nextInt(all.size()));
        }
        for (int i : picked) {
            Matrix m = all.get(i);
            for (int j = 0; j < full.configs().size(); j++) {
                var c = full.configs().get(j);
                csv.append(m.layer()).append(',').append(m.module()).append(',').append(c.bits()).append(',')
                        .append(c.group()).append(",8,128,").append(full.fnorm()[i][j]).append(',')
                        .append(c.memoryMiB(m.params())).append(',').append(m.params()).append('\n');
            }
        }
        return FnormTable.of(Table.read().csv(csv.toString(), "small"));
    }

    /** Least cost by a DP over all (weight, cost) Pareto states within the capacity. */
    private static double paretoOptimum(AllocationProblem p) {
        java.util.TreeMap<Long, Double> front = new java.util.TreeMap<>(java.util.Map.of(0L, 0.0));
        for (int i = 0; i < p.size(); i++) {
            java.util.TreeMap<Long, Double> all = new java.util.TreeMap<>();
            for (var state : front.entrySet()) {
                for (int k = 0; k < p.cost()[i].length; k++) {
                    long w = state.getKey() + p.weight()[i][k];
                    if (w <= p.capacity()) {
                        all.merge(w, state.getValue() + p.cost()[i][k], Math::min);
                    }
                }
            }
            front = new java.util.TreeMap<>();
            double best = Double.POSITIVE_INFINITY;
            for (var state : all.entrySet()) {
                if (state.getValue() < best) {
                    best = state.getValue();
                    front.put(state.getKey(), best);
                }
            }
        }
        return front.lastEntry().getValue();
    }

    private static double bruteForce(AllocationProblem p) {
        int n = p.size();
        int k = p.cost()[0].length;
        int[] choice = new int[n];
        double best = Double.POSITIVE_INFINITY;
        while (true) {
            if (p.weightOf(choice) <= p.capacity()) {
                best = Math.min(best, p.objective(choice));
            }
            int d = 0;
            while (d < n && ++choice[d] == k) {
                choice[d++] = 0;
            }
            if (d == n) {
                return best;
            }
        }
    }
}
