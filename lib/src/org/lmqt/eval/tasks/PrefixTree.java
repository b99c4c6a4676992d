package org.lmqt.eval.tasks;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;

/**
 * How requests scored together run over their common token prefixes: a node runs tokens {@code [from, to)} of its
 * requests' inputs once (they agree there), then each branch continues from that state; a leaf runs the rest of one
 * request, {@code [from, input length)}. A node's prefix stops at the first scored row of any of its requests (so
 * the head only ever sees a request's own rows); requests that part there, or whose next tokens differ, branch.
 *
 * @param from     first input position the node runs
 * @param to       end of the positions it runs
 * @param request  the request a leaf scores, or -1 for a shared node
 * @param branches what continues from the node's state, in request order of their first request (none for a leaf)
 */
record PrefixTree(int from, int to, int request, List<PrefixTree> branches) {
    PrefixTree {
        branches = List.copyOf(branches);
        if (from < 0 || to < from || (request >= 0) != branches.isEmpty()) {
            throw new IllegalArgumentException("bad prefix node [" + from + ", " + to + ") of request " + request
                    + " with " + branches.size() + " branches");
        }
    }

    /**
     * The tree of inputs {@code tokens} (each {@code [L]}) whose scoring starts at row {@code firstScored[i]}
     * ({@code 1 <= firstScored[i] + 1 <= L}). A prefix is shared only where it saves at least {@code minSaved}
     * tokens ({@code (requests - 1) * length}): a shared prefix is one more forward call (a pass over all weights)
     * and copies of the cache, which a prefix of a few tokens does not pay for; its requests then branch from the
     * node above.
     */
    static PrefixTree of(List<long[]> tokens, int[] firstScored, int minSaved) {
        if (tokens.isEmpty() || tokens.size() != firstScored.length || minSaved < 1) {
            throw new IllegalArgumentException(tokens.size() + " inputs, " + firstScored.length + " first rows, "
                    + "at least " + minSaved + " tokens saved");
        }
        return node(tokens, firstScored, IntStream.range(0, tokens.size()).boxed().toList(), 0, minSaved);
    }

    /** The subtree of {@code group}, whose inputs agree on their first {@code depth} tokens. */
    private static PrefixTree node(List<long[]> tokens, int[] firstScored, List<Integer> group, int depth,
                                   int minSaved) {
        if (group.size() == 1) {
            int r = group.get(0);
            return new PrefixTree(depth, tokens.get(r).length, r, List.of());
        }
        // the common prefix, at most up to the first scored row of any request
        long[] first = tokens.get(group.get(0));
        int shared = Integer.MAX_VALUE;
        for (int r : group) {
            shared = Math.min(shared, firstScored[r]);
        }
        for (int r : group) {
            int i = depth;
            while (i < shared && tokens.get(r)[i] == first[i]) {
                i++;
            }
            shared = i;
        }
        // requests scored from there on run alone; the others branch on their next token
        List<Integer> scoredThere = new ArrayList<>();
        Map<Long, List<Integer>> byNext = new LinkedHashMap<>();
        for (int r : group) {
            if (firstScored[r] == shared) {
                scoredThere.add(r);
            } else {
                byNext.computeIfAbsent(tokens.get(r)[shared], k -> new ArrayList<>()).add(r);
            }
        }
        // a prefix not worth a call of its own: the same branches, each running it (smaller groups, so this ends)
        int start = (long) (shared - depth) * (group.size() - 1) < minSaved ? depth : shared;
        List<PrefixTree> branches = new ArrayList<>();
        for (int r : scoredThere) {
            branches.add(new PrefixTree(start, tokens.get(r).length, r, List.of()));
        }
        for (List<Integer> next : byNext.values()) {
            PrefixTree branch = node(tokens, firstScored, next, start, minSaved);
            if (!branch.isLeaf() && branch.to() == branch.from()) {
                branches.addAll(branch.branches());   // a node that runs nothing: its branches are ours
            } else {
                branches.add(branch);
            }
        }
        return new PrefixTree(depth, start, -1, branches);
    }

    /** Whether the node scores one request. */
    boolean isLeaf() {
        return request >= 0;
    }

    /** Tokens the model runs for the whole tree. */
    int tokensRun() {
        return to - from + branches.stream().mapToInt(PrefixTree::tokensRun).sum();
    }
}
