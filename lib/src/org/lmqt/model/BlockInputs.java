package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * The hidden states a block-by-block method streams through the model: one {@code [length, hidden]} array per
 * calibration window, held in a manager of their own, starting as the windows' embeddings and advanced block by
 * block. Only one block's states are alive at a time; closing frees them.
 */
public final class BlockInputs implements AutoCloseable {
    private final NDManager manager;
    private List<NDArray> states = new ArrayList<>();

    private BlockInputs(NDManager manager) {
        this.manager = manager;
    }

    /** The embeddings of {@code windows} ({@code [n, length]} token ids): the inputs of block 0. */
    public static BlockInputs embed(LlamaModel model, long[][] windows) {
        BlockInputs in = new BlockInputs(model.manager().newSubManager());
        for (long[] w : windows) {
            in.states.add(in.keep(model.embed(w)));                                  // [length, hidden]
        }
        return in;
    }

    /** The current states, one per window. */
    public List<NDArray> states() {
        return List.copyOf(states);
    }

    /** Replaces every state by {@code step} of it (a block's output), each window in a scope of its own. */
    public void advance(UnaryOperator<NDArray> step) {
        List<NDArray> next = new ArrayList<>();
        for (NDArray h : states) {
            try (NDScope one = new NDScope()) {
                next.add(keep(step.apply(h)));                                       // [length, hidden]
            }
        }
        states.forEach(NDArray::close);
        states = next;
    }

    private NDArray keep(NDArray a) {
        NDScope.unregister(a);
        a.attach(manager);
        return a;
    }

    @Override
    public void close() {
        manager.close();
    }
}
