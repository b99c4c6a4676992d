package org.lmqt.mxq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

class ParetoDpTest {
    private record Entry(long weight, double cost, int ref) {}

    /**
     * Merging two Pareto lists (weight strictly up, cost strictly down) gives the Pareto front of their union: weight
     * strictly up, cost strictly down, no entry dominated; on equal weight and cost the first list's entry. Small
     * integer weights and costs make ties of weight, of cost and of both frequent.
     */
    @Test
    void mergeKeepsExactlyTheParetoFrontOfTheUnion() {
        Random random = new Random(17);
        for (int trial = 0; trial < 400; trial++) {
            List<Entry> a = paretoList(random, 0, random.nextInt(12));
            List<Entry> b = paretoList(random, 1000, random.nextInt(12));
            // Pad both lists with entries before and after that the merge must not read.
            ParetoDp.Entries left = entries(a, 3);
            ParetoDp.Entries right = entries(b, 5);
            ParetoDp.Entries out = new ParetoDp.Entries();
            out.ensure(a.size() + b.size());
            int m = ParetoDp.merge(left, 3, 3 + a.size(), right, 5, 5 + b.size(), out);
            List<Entry> expected = front(a, b);
            List<Entry> actual = new ArrayList<>();
            for (int x = 0; x < m; x++) {
                actual.add(new Entry(out.weight[x], out.cost[x], out.ref[x]));
            }
            assertEquals(expected, actual, "trial " + trial + ": " + a + " + " + b);
        }
    }

    /** A random Pareto list with references {@code refBase, refBase + 1, ...}. */
    private static List<Entry> paretoList(Random random, int refBase, int size) {
        List<Entry> list = new ArrayList<>();
        long weight = random.nextInt(4);
        double cost = 30 + random.nextInt(4);
        for (int k = 0; k < size; k++) {
            list.add(new Entry(weight, cost, refBase + k));
            weight += 1 + random.nextInt(3);
            cost -= 1 + random.nextInt(3);
        }
        return list;
    }

    private static ParetoDp.Entries entries(List<Entry> list, int offset) {
        ParetoDp.Entries e = new ParetoDp.Entries();
        e.ensure(offset + list.size() + 4);
        java.util.Arrays.fill(e.weight, -1);
        java.util.Arrays.fill(e.cost, -1);
        for (int k = 0; k < list.size(); k++) {
            e.weight[offset + k] = list.get(k).weight();
            e.cost[offset + k] = list.get(k).cost();
            e.ref[offset + k] = list.get(k).ref();
        }
        return e;
    }

    /** The Pareto front by definition: sort by (weight, cost, first list first), keep what is cheaper than all before. */
    private static List<Entry> front(List<Entry> a, List<Entry> b) {
        List<Entry> all = new ArrayList<>(a);
        all.addAll(b);
        all.sort(Comparator.comparingLong(Entry::weight).thenComparingDouble(Entry::cost)
                .thenComparingInt(Entry::ref));
        List<Entry> front = new ArrayList<>();
        for (Entry e : all) {
            if (front.isEmpty() || e.cost() < front.get(front.size() - 1).cost()) {
                front.add(e);
            }
        }
        return front;
    }
}
