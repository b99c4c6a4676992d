package org.lmqt.mxq;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.lmqt.quant.QuantConfig;

/** The variants of spec §4.7 against the regression figures of §4.7.1, §4.7.3 and §9.1. */
class VariantsTest {

    @Test
    void outlierSetsOfTheSpec() {
        FnormTable l7 = MxqData.src("Llama-2-7b-hf");
        assertEquals(Map.of("self_attn.q_proj", List.of(31), "self_attn.v_proj", List.of(31), "self_attn.k_proj",
                List.of(31), "self_attn.o_proj", List.of(1), "mlp.gate_proj", List.of(1), "mlp.up_proj", List.of(1),
                "mlp.down_proj", List.of(1)), Outliers.find(l7, Outliers.Source.SENSITIVITY, 1));
        assertEquals(Map.of("self_attn.q_proj", List.of(1), "self_attn.v_proj", List.of(2), "self_attn.k_proj",
                List.of(1), "self_attn.o_proj", List.of(31), "mlp.gate_proj", List.of(30), "mlp.up_proj", List.of(30),
                "mlp.down_proj", List.of(2)), Outliers.find(l7, Outliers.Source.KURTOSIS, 1));
        Map<String, List<Integer>> all = Outliers.find(l7, Outliers.Source.SENSITIVITY, 0);
        assertEquals(List.of(31, 2), all.get("self_attn.q_proj"));
        assertEquals(List.of(1), all.get("self_attn.o_proj"));
        assertEquals(List.of(1, 2, 3), all.get("mlp.gate_proj"));
        assertEquals(List.of(1, 30), all.get("mlp.down_proj"));

        FnormTable l13 = MxqData.src("Llama-2-13b-hf");
        assertEquals(Map.of("self_attn.q_proj", List.of(1), "self_attn.v_proj", List.of(1), "self_attn.k_proj",
                List.of(1), "self_attn.o_proj", List.of(3), "mlp.gate_proj", List.of(1), "mlp.up_proj", List.of(1),
                "mlp.down_proj", List.of(3)), Outliers.find(l13, Outliers.Source.SENSITIVITY, 1));
        assertEquals(Map.of("self_attn.q_proj", List.of(1), "self_attn.v_proj", List.of(39), "self_attn.k_proj",
                List.of(1), "self_attn.o_proj", List.of(39), "mlp.gate_proj", List.of(1), "mlp.up_proj", List.of(38),
                "mlp.down_proj", List.of(1)), Outliers.find(l13, Outliers.Source.KURTOSIS, 1));

        FnormTable l3 = MxqData.src("Meta-Llama-3-8B");
        assertEquals(Map.of("self_attn.q_proj", List.of(4), "self_attn.v_proj", List.of(4), "self_attn.k_proj",
                List.of(4), "self_attn.o_proj", List.of(4), "mlp.gate_proj", List.of(31), "mlp.up_proj", List.of(31),
                "mlp.down_proj", List.of(31)), Outliers.find(l3, Outliers.Source.SENSITIVITY, 1));
        assertEquals(Map.of("self_attn.q_proj", List.of(1), "self_attn.v_proj", List.of(1), "self_attn.k_proj",
                List.of(1), "self_attn.o_proj", List.of(), "mlp.gate_proj", List.of(), "mlp.up_proj", List.of(31),
                "mlp.down_proj", List.of()), Outliers.find(l3, Outliers.Source.KURTOSIS, 1));
    }

    @Test
    void trimmedStatisticsDropFivePercentPerSide() {
        double[] d = new double[20]; // floor(0.05 * 20) = 1 value dropped at each end
        for (int i = 0; i < d.length; i++) {
            d[i] = i == 0 ? -1000 : i == 19 ? 1000 : i;
        }
        double[] s = Outliers.trimmedMeanStd(d);
        assertEquals(9.5, s[0], 1e-12); // mean of 1..18
        assertEquals(Math.sqrt(28.5), s[1], 1e-12); // sample variance of 1..18 is 28.5
    }

    @Test
    void kurtBoostExampleOfTheSpec() {
        FnormTable t = MxqData.src("Llama-2-7b-hf");
        Allocation a = Mxq.solve(t, 4.25, MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.KURT_BOOST).withBoostStop(2));
        List<String> boosted = List.of("1.self_attn.q_proj", "2.self_attn.v_proj", "1.self_attn.k_proj",
                "31.self_attn.o_proj", "30.mlp.gate_proj", "30.mlp.up_proj", "2.mlp.down_proj");
        for (int i = 0; i < t.size(); i++) {
            QuantConfig expected = boosted.contains(t.matrices().get(i).key()) ? new QuantConfig(8, 128)
                    : new QuantConfig(4, 64);
            assertEquals(expected, a.config(i), t.matrices().get(i).key());
        }
        assertTrue(!a.optimal() && !a.withinBudget());
    }

    @Test
    void directiveBoostsDeclinesAndSaturates() {
        FnormTable t = MxqData.src("Llama-2-7b-hf");
        MxqOptions o = MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.SENSI_DIRECTIVE).withBoostLayers(List.of(0, 5))
                .withDeclineLayers(List.of(5, 7)).withBoostStop(1).withDeclineStop(2);
        Allocation a = Mxq.solve(t, 4.25, o);
        for (int i = 0; i < t.size(); i++) {
            int layer = t.matrices().get(i).layer();
            QuantConfig expected = layer == 0 || layer == 5 ? new QuantConfig(4, 32)
                    : layer == 7 ? new QuantConfig(3, 32) : new QuantConfig(4, 64);
            assertEquals(expected, a.config(i));
        }
        Allocation top = Mxq.solve(t, 8.51, o.withBoostStop(3));
        assertEquals(new QuantConfig(8, 32), top.config(t.indexOf(0, "mlp.up_proj")));
    }

    @Test
    void boostAblationIsSeededAndAvoidsOutliers() {
        FnormTable t = MxqData.src("Llama-2-7b-hf");
        Map<String, List<Integer>> a = Outliers.ablation(t, Outliers.Source.KURTOSIS, 1, 42);
        assertEquals(a, Outliers.ablation(t, Outliers.Source.KURTOSIS, 1, 42));
        Map<String, List<Integer>> sensi = Outliers.find(t, Outliers.Source.SENSITIVITY, 1);
        Map<String, List<Integer>> kurt = Outliers.find(t, Outliers.Source.KURTOSIS, 1);
        boolean differs = false;
        for (int seed = 0; seed < 5; seed++) {
            Map<String, List<Integer>> b = Outliers.ablation(t, Outliers.Source.KURTOSIS, 1, seed);
            differs |= !b.equals(a);
            for (String m : t.moduleOrder()) {
                assertEquals(kurt.get(m).size(), b.get(m).size());
                b.get(m).forEach(l -> assertTrue(!sensi.get(m).contains(l) && !kurt.get(m).contains(l)));
            }
        }
        assertTrue(differs);
    }

    /** SensiMiLP/KurtMiLP objectives of spec §9.1 (HiGHS, 1e-4 gap, printed rounded). */
    @Test
    void sizeShareObjectivesOfTheSpec() {
        MxqOptions sm = MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.SENSI_MILP);
        assertNearArchived(73.032, MxqData.src("Llama-2-7b-hf"), 3.07, sm);
        assertNearArchived(32.0192, MxqData.src("Llama-2-7b-hf"), 3.95, sm);
        assertNearArchived(24.2272, MxqData.src("Llama-2-7b-hf"), 4.25, sm);
        assertNearArchived(16.0644, MxqData.src("Llama-2-7b-hf"), 6.89, sm);
        assertNearArchived(24.2292, MxqData.src("Meta-Llama-3-8B"), 4.25, sm);
        assertNearArchived(23.7985, MxqData.src("Meta-Llama-3-8B"), 4.25, sm.withWeightAlgo(WeightAlgo.KURT_MILP));
        assertNearArchived(23.5304, MxqData.src("Llama-2-7b-hf"), 4.25, sm.withAblation(true));
    }

    private static void assertNearArchived(double archived, FnormTable t, double budget, MxqOptions o) {
        Allocation a = Mxq.solve(t, budget, o);
        assertTrue(a.optimal() && a.withinBudget());
        assertTrue(a.objective() <= archived + 5e-5, a.objective() + " > " + archived);
        assertTrue(a.objective() >= archived * (1 - 1e-4) - 5e-5, a.objective() + " << " + archived);
    }

    @Test
    void costFormulas() {
        FnormTable t = MxqData.vis("Llama-2-7b-hf");
        double[][] fn = t.fnorm();
        int last = t.indexOf(31, "mlp.up_proj");
        int first = t.indexOf(0, "mlp.up_proj");
        double[][] head = CostFunctions.of(t, MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.HEAD_PRIORITIZED));
        double[][] tail = CostFunctions.of(t, MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.TAIL_PRIORITIZED)
                .withFactor(1.5));
        assertEquals(2 * fn[first][3], head[first][3]);
        assertEquals(fn[last][3], head[last][3]);
        assertEquals(1.5 * fn[last][3], tail[last][3]);
        double[][] ks = t.metric("kurtosis_scaled", "test");
        double[][] k = t.metric("kurtosis", "test");
        assertEquals(fn[5][2] * (1 + ks[5][2]),
                CostFunctions.of(t, MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.KURT_SCALED))[5][2]);
        assertEquals(fn[5][2] * k[5][2] / 3,
                CostFunctions.of(t, MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.KURT_GLOBAL))[5][2]);
        // SensiMiLP ablation: 4 for 2 bits, / bpp, * 100, * size share; b2g128 of a 4096x4096 matrix.
        double[][] sm = CostFunctions.of(t, MxqOptions.DEFAULTS.withWeightAlgo(WeightAlgo.SENSI_MILP)
                .withAblation(true));
        int q = t.indexOf(0, "self_attn.q_proj");
        int b2g128 = t.configIndex(new QuantConfig(2, 128));
        assertEquals(4 / 2.126953125 * 100 * (16777216.0 / t.totalParams()), sm[q][b2g128], 1e-15);
    }

    @Test
    void toleranceWidensTheBudget() {
        FnormTable t = MxqData.src("Llama-2-7b-hf");
        Allocation plain = Mxq.solve(t, 4.25, MxqOptions.DEFAULTS);
        Allocation wider = Mxq.solve(t, 4.25, MxqOptions.DEFAULTS.withTolerancePct(5));
        assertEquals(plain.problem().budgetMiB() * 1.05, wider.problem().budgetMiB(), 1e-9);
        assertTrue(wider.objective() < plain.objective() && wider.memoryMiB() > plain.problem().budgetMiB());
        assertArrayEquals(plain.choice(), Mxq.solve(t, 4.25, MxqOptions.DEFAULTS).choice());
    }
}
