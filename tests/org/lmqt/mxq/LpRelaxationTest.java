package org.lmqt.mxq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The fast LP pieces of the exact solver against {@link PlainLp}. */
class LpRelaxationTest {

    /** Whole 70B and 405B tables (hundreds of groups, many equal weights) over the range of budgets. */
    @Test
    void quickselectGreedyEqualsTheSortedGreedy() {
        for (String model : List.of("Llama-2-70b-hf", "Meta-Llama-3.1-405B-Instruct", "Llama-2-7b-hf")) {
            FnormTable t = MxqData.src(model);
            double[][] c = t.fnorm();
            for (double budget = 2.3; budget < 9.0; budget += 0.29) {
                AllocationProblem p = AllocationProblem.of(t, c, budget, 0);
                long[][] w = p.weight();
                int[][] eff = efficient(c, w);
                int[] choice = new int[t.size()];
                double lambda = LpRelaxation.solve(c, w, p.capacity(), eff, choice);
                long lightest = 0;
                for (int i = 0; i < t.size(); i++) {
                    lightest += w[i][eff[i][0]];
                }
                PlainLp.Result plain = PlainLp.solve(c, w, allGroups(t.size()), eff, p.capacity());
                String where = model + " @ " + budget;
                assertEquals(plain.lambda(), lambda, where);
                assertArrayEquals(plain.integral(), choice, where);
                assertTrue(p.weightOf(choice) <= p.capacity(), where);
                assertTrue(lambda >= 0 && p.weightOf(choice) >= lightest, where);
            }
        }
    }

    /** Ties of slope between groups (identical matrices) are taken in group order, as the sorted greedy does. */
    @Test
    void equalSlopesAreTakenInGroupOrder() {
        double[][] c = {{10, 6, 1}, {10, 6, 1}, {10, 6, 1}, {8, 5}};
        long[][] w = {{1, 3, 7}, {1, 3, 7}, {1, 3, 7}, {1, 4}};
        int[][] eff = efficient(c, w);
        for (long cap = 4; cap <= 25; cap++) {
            int[] choice = new int[4];
            double lambda = LpRelaxation.solve(c, w, cap, eff, choice);
            PlainLp.Result plain = PlainLp.solve(c, w, allGroups(4), eff, cap);
            assertEquals(plain.lambda(), lambda, "capacity " + cap);
            assertArrayEquals(plain.integral(), choice, "capacity " + cap);
        }
    }

    /** The merged segment list holds every hull segment once, in slope order, ties by group position. */
    @Test
    void hullSegmentsAreTheSortedSegmentsOfTheGivenGroups() {
        FnormTable t = ExactMckpSolverTest.subTable(MxqData.src("Meta-Llama-3.1-405B-Instruct"), new Random(3), 60);
        double[][] c = t.fnorm();
        long[][] w = AllocationProblem.of(t, c, 4.0, 0).weight();
        int[][] eff = efficient(c, w);
        Random random = new Random(11);
        List<Integer> groups = new ArrayList<>(allGroups(t.size()));
        java.util.Collections.shuffle(groups, random);
        groups = groups.subList(0, 40);
        int[] positions = groups.stream().mapToInt(Integer::intValue).toArray();
        HullSegments merged = HullSegments.of(c, w, positions, eff);
        List<PlainLp.Segment> plain = PlainLp.segments(c, w, groups, eff);
        assertEquals(plain.size(), merged.size());
        for (int s = 0; s < plain.size(); s++) {
            PlainLp.Segment p = plain.get(s);
            assertEquals(p.group(), positions[merged.owner()[s]], "segment " + s);
            assertEquals(p.to(), merged.end()[s], "segment " + s);
            assertEquals(p.dw(), merged.weight()[s], "segment " + s);
            assertEquals(p.dc(), merged.cost()[s], "segment " + s);
            assertEquals(p.slope(), merged.slope()[s], "segment " + s);
        }
        for (int g = 0; g < positions.length; g++) {
            assertEquals(PlainLp.hull(c[positions[g]], w[positions[g]], eff[positions[g]]).get(0), merged.first()[g]);
        }
    }

    /** Identical groups give equal slopes: those segments come in the order of the given group positions. */
    @Test
    void hullSegmentsTakeEqualSlopesInGroupPositionOrder() {
        double[][] c = {{10, 6, 1}, {10, 6, 1}, {10, 6, 1}, {8, 5}};
        long[][] w = {{1, 3, 7}, {1, 3, 7}, {1, 3, 7}, {1, 4}};
        int[][] eff = efficient(c, w);
        int[] positions = {2, 0, 3, 1};
        HullSegments merged = HullSegments.of(c, w, positions, eff);
        List<Integer> owners = java.util.Arrays.stream(merged.owner()).boxed().toList();
        // Slope -2 in groups 2, 0, 1 (positions 0, 1, 3), then -1.25 likewise, then group 3's -1 (position 2).
        assertEquals(List.of(0, 1, 3, 0, 1, 3, 2), owners);
        assertEquals(PlainLp.segments(c, w, List.of(2, 0, 3, 1), eff).stream().map(PlainLp.Segment::group).toList(),
                owners.stream().map(g -> positions[g]).toList());
    }

    private static int[][] efficient(double[][] c, long[][] w) {
        int[][] eff = new int[c.length][];
        for (int i = 0; i < c.length; i++) {
            eff[i] = ExactMckpSolver.efficientItems(c[i], w[i]);
        }
        return eff;
    }

    private static List<Integer> allGroups(int n) {
        return java.util.stream.IntStream.range(0, n).boxed().toList();
    }
}
