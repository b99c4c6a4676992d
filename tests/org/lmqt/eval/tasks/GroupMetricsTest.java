package org.lmqt.eval.tasks;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Group aggregation as lm-eval's {@code weight_by_size} and {@code pooled_sample_stderr} compute it. */
class GroupMetricsTest {
    /** Per-document 0/1 accuracies of three made-up subjects. */
    private static final double[][] SUBJECTS = {{1, 0, 1, 1, 0}, {0, 0, 1}, {1, 1, 1, 0, 1, 1, 0}};

    private static GroupMetrics.Member member(double[] accs) {
        MeanWithStderr m = MeanWithStderr.of(accs);
        return new GroupMetrics.Member(accs.length, m.mean(), m.stderr());
    }

    @Test
    void weightedBySizeAsLmEvalsOwnTest() {
        // lm-eval's tests/test_utils.py test_aggregate_mean: 0.3, 0.2, 0.4 over 20, 40, 100 documents
        Map<String, Double> g = GroupMetrics.aggregate(List.of(new GroupMetrics.Member(20, 0.3, 0.1),
                new GroupMetrics.Member(40, 0.2, 0.1), new GroupMetrics.Member(100, 0.4, 0.1)));
        assertEquals(0.3375, g.get("acc"), 1e-15);
        assertEquals(160.0, g.get("samples"));
    }

    @Test
    void pooledStderrIsThePooledSampleVarianceOverAllDocuments() {
        List<GroupMetrics.Member> members = new ArrayList<>();
        double squares = 0;
        double sum = 0;
        int n = 0;
        for (double[] s : SUBJECTS) {
            members.add(member(s));
            double mean = java.util.Arrays.stream(s).average().orElseThrow();
            for (double x : s) {
                squares += (x - mean) * (x - mean);   // within-subject sum of squares
                sum += x;
                n++;
            }
        }
        Map<String, Double> g = GroupMetrics.aggregate(members);
        assertEquals(sum / n, g.get("acc"), 1e-15);
        assertEquals(Math.sqrt(squares / (n - SUBJECTS.length) / n), g.get("acc_stderr"), 1e-15);
    }

    @Test
    void closeToTheStderrOfAllDocumentsTogether() {
        // lm-eval's test_aggregate_stderrs: pooled stderr within 1e-3 of the stderr of the concatenated samples
        List<double[]> samples = List.of(ones(40, 60), ones(30, 30), ones(20, 60));
        List<Double> all = new ArrayList<>();
        List<GroupMetrics.Member> members = new ArrayList<>();
        for (double[] s : samples) {
            members.add(member(s));
            for (double x : s) {
                all.add(x);
            }
        }
        double flat = MeanWithStderr.of(all.stream().mapToDouble(Double::doubleValue).toArray()).stderr();
        assertEquals(flat, GroupMetrics.aggregate(members).get("acc_stderr"), 1e-3);
    }

    @Test
    void aOneDocumentTaskAddsNoVariance() {
        Map<String, Double> with = GroupMetrics.aggregate(List.of(member(SUBJECTS[0]), member(new double[] {1})));
        double mean = 0.6;
        double squares = 0;
        for (double x : SUBJECTS[0]) {
            squares += (x - mean) * (x - mean);
        }
        assertEquals(Math.sqrt(squares / (6 - 2) / 6), with.get("acc_stderr"), 1e-15);
        assertEquals(4.0 / 6, with.get("acc"), 1e-15);
    }

    private static double[] ones(int ones, int zeros) {
        List<Double> v = new ArrayList<>(Collections.nCopies(ones, 1.0));
        v.addAll(Collections.nCopies(zeros, 0.0));
        return v.stream().mapToDouble(Double::doubleValue).toArray();
    }
}
