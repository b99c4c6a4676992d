package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.lmqt.model.KvPolicy;

/** Token-axis helpers for {@code [KV, tokens, d]} cache arrays, where {@code null} stands for no tokens. */
final class Kv {
    private Kv() {}

    /** Tokens of {@code a} (0 for null). */
    static int tokens(NDArray a) {
        return a == null ? 0 : (int) a.getShape().get(1);
    }

    /** {@code a} followed by {@code b} along the tokens, always a new array (null when both are empty). */
    static NDArray join(NDArray a, NDArray b) {
        if (a == null) {
            return b == null ? null : b.duplicate();
        }
        return b == null ? a.duplicate() : a.concat(b, 1);
    }

    /** A copy of tokens {@code [from, to)} of {@code a} (null when empty). */
    static NDArray slice(NDArray a, int from, int to) {
        return from >= to ? null : a.get(":, " + from + ":" + to + ", :").duplicate();
    }

    /**
     * Keeps the new arrays in {@code manager} and closes the old ones that are not kept; returns the new ones.
     */
    static NDArray[] store(NDManager manager, NDArray[] old, NDArray... fresh) {
        for (NDArray a : fresh) {
            if (a != null && !holds(old, a)) {
                KvPolicy.keep(a, manager);
            }
        }
        for (NDArray a : old) {
            if (a != null && !holds(fresh, a)) {
                a.close();
            }
        }
        return fresh;
    }

    /** Whether {@code arrays} holds {@code a} itself (identity: NDArray's equals compares contents). */
    private static boolean holds(NDArray[] arrays, NDArray a) {
        for (NDArray x : arrays) {
            if (x == a) {
                return true;
            }
        }
        return false;
    }
}
