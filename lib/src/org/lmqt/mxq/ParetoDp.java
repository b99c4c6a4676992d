package org.lmqt.mxq;

import java.util.Arrays;

/**
 * The dynamic programme of {@link ExactMckpSolver} over its free groups: stage {@code g} holds the Pareto-optimal
 * partial allocations of groups {@code free[0..g]} (weight strictly increasing, cost strictly decreasing) that can
 * still beat the incumbent. A stage extends every state by every alive item of its group and keeps the Pareto front
 * of the result.
 *
 * <p>A stage in three passes over flat primitive arrays, so the hot loops are branch-light and sequential:
 * <ol>
 * <li>per item, the states it may extend (reduced-cost sum within the limit, weight within the room), shifted by
 *     the item's weight and cost: a Pareto list in weight order, written by branch-free compaction;</li>
 * <li>the item lists merged two at a time in item order, keeping only entries cheaper than every lighter one (ties:
 *     cheaper, then lower item); filtering a merge early keeps the same final front, since an entry it drops is
 *     dominated by one that stays or by one that dominates it in turn;</li>
 * <li>the front filtered by the LP bound of the remaining groups (rooms fall along the front, as the bound's walk
 *     expects). An entry that the bound rejects may still dominate a later one; that later one is then rejected by
 *     the bound too (no less cost, no more room), so the result is the front of the states that pass.</li>
 * </ol>
 * Buffers are kept between stages and rounds; one instance serves one solve at a time.
 */
final class ParetoDp {
    // States of the current stage: weight, cost, reduced-cost sum; [S]
    private long[] mem = new long[16];
    private double[] cost = new double[16];
    private double[] red = new double[16];
    // The next stage's states, swapped with the current ones after a stage; [S']
    private long[] nextMem = new long[16];
    private double[] nextCost = new double[16];
    private double[] nextRed = new double[16];
    // Candidates of a stage (the item lists one after another) and two merge buffers: weight, cost, and a reference
    // state * q + item; [C]
    private final Entries candidates = new Entries();
    private final Entries mergedA = new Entries();
    private final Entries mergedB = new Entries();
    // Back-pointers of every stage, one after another: the reference of each state; [total states]
    private int[] refs = new int[64];
    // The buffer holding the current stage's merged front (candidates itself when a group has one item)
    private Entries frontOf;
    // The cheapest completion seen in this run
    private Completion best;

    /** Parallel arrays of (weight, cost, reference) entries. */
    static final class Entries {
        long[] weight = new long[16];
        double[] cost = new double[16];
        int[] ref = new int[16];

        void ensure(int n) {
            if (weight.length < n) {
                int size = Math.max(n, 2 * weight.length);
                weight = new long[size];
                cost = new double[size];
                ref = new int[size];
            }
        }
    }

    /**
     * Runs the DP. Writes the best allocation of the free groups it finds into {@code choice} and returns the number
     * of states created, or -1 when it finds none cheaper than the incumbent.
     *
     * <p>Besides the DP's own final states, every state's LP completion (the integral part of the remaining groups'
     * LP, {@link RemainderBound#integralPart}) is a feasible allocation; the cheapest one found so far replaces the
     * incumbent for the pruning of the stages after it. The remaining groups get fewer and smaller as the DP goes on
     * (largest matrices first), so these completions soon come close to the optimum and the bound prunes much harder
     * from then on.
     * The final states are the completions of the last stage (nothing remains), so the result is the cheapest
     * allocation the DP has seen, and at least as good as the DP's own optimum over these items.
     *
     * @param cap       capacity left to the free groups
     * @param free      the free groups in stage order; [f]
     * @param alive     per group the items taking part, weight ascending; [n][q_i]
     * @param reduced   per group the reduced costs of those items; [n][q_i]
     * @param limit     largest reduced-cost sum a state may have
     * @param incumbent cost of the free groups in the incumbent allocation (what a result must beat)
     * @param tol       tolerance of the pruning: a state whose cost plus bound exceeds incumbent + tol is dropped
     */
    int run(double[][] c, long[][] w, long cap, int[] free, int[][] alive, double[][] reduced, double limit,
            double incumbent, double tol, int[] choice) {
        int f = free.length;
        RemainderBound bound = new RemainderBound(c, w, free, alive);
        int[] stageStart = new int[f + 1]; // [f + 1] offset of each stage's references
        int states = 1;
        int created = 1;
        mem[0] = 0;
        cost[0] = 0;
        red[0] = 0;
        best = new Completion(incumbent, -1, -1, 0);
        for (int g = 0; g < f; g++) {
            int i = free[g];
            bound.startStage(g);
            int front = extend(c[i], w[i], alive[i], reduced[i], states, cap - bound.lightestAfter(g), limit);
            int kept = keepWithinBound(front, g, alive[i].length, cap, bound, reduced[i], tol, stageStart[g]);
            if (kept == 0) {
                break;
            }
            stageStart[g + 1] = stageStart[g] + kept;
            states = kept;
            created += kept;
        }
        if (best.stage() < 0) {
            return -1;
        }
        complete(c, w, free, alive, stageStart, choice);
        // The allocation written must be the one whose cost the pruning relied on.
        double written = 0;
        long weight = 0;
        for (int i : free) {
            written += c[i][choice[i]];
            weight += w[i][choice[i]];
        }
        if (weight > cap || Math.abs(written - best.cost()) > tol) {
            throw new IllegalStateException("internal error: DP completion differs from its recorded cost");
        }
        return created;
    }

    /** The cheapest completion seen: its cost, the stage and index of its state, the room left after that state. */
    private record Completion(double cost, int stage, int state, long room) {}

    /**
     * Writes the allocation of {@link #best} into {@code choice}: the path of its state through the stages (the
     * references), then the remaining groups as the LP's integral part within the room left, recomputed over their
     * segments in slope order exactly as the bound took them (the longest prefix that fits).
     */
    private void complete(double[][] c, long[][] w, int[] free, int[][] alive, int[] stageStart, int[] choice) {
        int s = best.state();
        for (int g = best.stage(); g >= 0; g--) {
            int q = alive[free[g]].length;
            int ref = refs[stageStart[g] + s];
            choice[free[g]] = alive[free[g]][ref % q];
            s = ref / q;
        }
        int[] rest = Arrays.copyOfRange(free, best.stage() + 1, free.length);
        HullSegments segments = HullSegments.of(c, w, rest, alive);
        long room = best.room();
        for (int g = 0; g < rest.length; g++) {
            choice[rest[g]] = segments.first()[g];
            room -= w[rest[g]][choice[rest[g]]];
        }
        for (int t = 0; t < segments.size() && segments.weight()[t] <= room; t++) {
            room -= segments.weight()[t];
            choice[rest[segments.owner()[t]]] = segments.end()[t];
        }
    }

    /**
     * Passes 1 and 2 of a stage: the item lists and their merged Pareto front. Returns the front's length; the front
     * is in {@link #mergedA} or {@link #mergedB}, as {@link #frontOf} says.
     */
    private int extend(double[] c, long[] w, int[] items, double[] reduced, int states, long room, double limit) {
        int q = items.length;
        candidates.ensure(q * states);
        int[] start = new int[q + 1]; // [q + 1] offset of each item's list in candidates
        for (int t = 0; t < q; t++) {
            long wt = w[items[t]];
            double ct = c[items[t]];
            double rt = reduced[t];
            // States whose weight leaves room for this item: a prefix, as weights increase.
            int end = prefixAtMost(mem, states, room - wt);
            int k = start[t];
            long[] cw = candidates.weight;
            double[] cc = candidates.cost;
            int[] cr = candidates.ref;
            for (int s = 0; s < end; s++) {
                cw[k] = mem[s] + wt;
                cc[k] = cost[s] + ct;
                cr[k] = s * q + t;
                k += red[s] + rt <= limit ? 1 : 0;
            }
            start[t + 1] = k;
        }
        // Merge list 0 with list 1, the result with list 2, and so on, alternating between the merge buffers.
        mergedA.ensure(start[q]);
        mergedB.ensure(start[q]);
        Entries in = candidates;
        int inFrom = start[0];
        int inTo = start[1];
        for (int t = 1; t < q; t++) {
            Entries out = (t & 1) == 1 ? mergedA : mergedB;
            int n = merge(in, inFrom, inTo, candidates, start[t], start[t + 1], out);
            in = out;
            inFrom = 0;
            inTo = n;
        }
        frontOf = in;
        return inTo;
    }

    /**
     * Merges two Pareto lists into {@code out} in weight order (ties: cheaper, then the first list), keeping only
     * entries cheaper than every one before them; returns the number written.
     */
    static int merge(Entries a, int aFrom, int aTo, Entries b, int bFrom, int bTo, Entries out) {
        long[] aw = a.weight;
        double[] ac = a.cost;
        int[] ar = a.ref;
        long[] bw = b.weight;
        double[] bc = b.cost;
        int[] br = b.ref;
        long[] ow = out.weight;
        double[] oc = out.cost;
        int[] or = out.ref;
        int x = aFrom;
        int y = bFrom;
        int m = 0;
        double best = Double.POSITIVE_INFINITY;
        while (x < aTo && y < bTo) {
            long wa = aw[x];
            long wb = bw[y];
            double ca = ac[x];
            double cb = bc[y];
            boolean first = wa < wb || (wa == wb && ca <= cb);
            double co = first ? ca : cb;
            ow[m] = first ? wa : wb;
            oc[m] = co;
            or[m] = first ? ar[x] : br[y];
            m += co < best ? 1 : 0;
            best = Math.min(best, co);
            x += first ? 1 : 0;
            y += first ? 0 : 1;
        }
        // One list is used up (so one of these appends nothing); the other's rest only needs the dominance filter.
        m = drain(aw, ac, ar, x, aTo, out, m, best);
        return drain(bw, bc, br, y, bTo, out, m, best);
    }

    /** Appends entries {@code [from, to)} that are cheaper than {@code best} and than every one appended before. */
    private static int drain(long[] w, double[] c, int[] r, int from, int to, Entries out, int m, double best) {
        for (int x = from; x < to; x++) {
            out.weight[m] = w[x];
            out.cost[m] = c[x];
            out.ref[m] = r[x];
            m += c[x] < best ? 1 : 0;
            best = Math.min(best, c[x]);
        }
        return m;
    }

    /**
     * Pass 3 of a stage: keeps the front's entries whose cost plus the bound of the remaining groups stays within the
     * best completion's cost plus {@code tol}, as the next stage's states, and records their references from
     * {@code refStart} on. Each kept entry's LP completion may become the best completion.
     */
    private int keepWithinBound(int n, int g, int q, long cap, RemainderBound bound, double[] reduced, double tol,
            int refStart) {
        Entries front = frontOf;
        if (nextMem.length < n) {
            int size = Math.max(n, 2 * nextMem.length);
            nextMem = new long[size];
            nextCost = new double[size];
            nextRed = new double[size];
        }
        if (refs.length < refStart + n) {
            refs = Arrays.copyOf(refs, Math.max(refStart + n, 2 * refs.length));
        }
        int m = 0;
        for (int x = 0; x < n; x++) {
            long weight = front.weight[x];
            double total = front.cost[x];
            if (total + bound.value(cap - weight) <= best.cost() + tol) {
                int ref = front.ref[x];
                nextMem[m] = weight;
                nextCost[m] = total;
                nextRed[m] = red[ref / q] + reduced[ref % q];
                refs[refStart + m] = ref;
                double completion = total + bound.integralPart();
                if (completion < best.cost()) {
                    best = new Completion(completion, g, m, cap - weight);
                }
                m++;
            }
        }
        long[] lw = mem;
        mem = nextMem;
        nextMem = lw;
        double[] lc = cost;
        cost = nextCost;
        nextCost = lc;
        double[] lr = red;
        red = nextRed;
        nextRed = lr;
        return m;
    }

    /** Number of leading entries of the ascending {@code sorted[0..n)} that are at most {@code x}. */
    private static int prefixAtMost(long[] sorted, int n, long x) {
        int lo = 0;
        int hi = n;
        while (lo < hi) {
            int mid = (lo + hi) >>> 1;
            if (sorted[mid] <= x) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        return lo;
    }
}
