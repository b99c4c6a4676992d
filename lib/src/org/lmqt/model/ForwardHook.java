package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import org.lmqt.checkpoint.BlockPart;
import org.lmqt.checkpoint.MatrixKey;

/**
 * Observes and, for fake-quantization methods, transforms what flows through the decoder: the input of each
 * {@link BlockPart}, the input and output of every linear layer, and the keys and values entering attention. Each
 * method returns the array the forward pass continues with (the argument itself to only observe). Arrays belong to
 * the block's scope and are closed when the block ends: copy what you keep ({@code toFloatArray()}).
 * <p>Order inside a block: {@code partInput(ATTN_IN)}, then per q/k/v {@code linearInput}/{@code linearOutput};
 * {@code keys}/{@code values}; {@code partInput(ATTN_OUT)}, o_proj; {@code partInput(MLP_GATE)}, gate, up;
 * {@code partInput(MLP_DOWN)}, down.
 */
public interface ForwardHook {

    /** The input {@code [T, features]} of a block part. */
    default NDArray partInput(int layer, BlockPart part, NDArray x) {
        return x;
    }

    /** The input {@code [T, in]} of a linear layer (after its part's hook). */
    default NDArray linearInput(MatrixKey key, NDArray x) {
        return x;
    }

    /** The output {@code [T, out]} of a linear layer. */
    default NDArray linearOutput(MatrixKey key, NDArray y) {
        return y;
    }

    /** The new keys {@code [kvHeads, T, headDim]} (after RoPE), before they enter the KV cache and attention. */
    default NDArray keys(int layer, NDArray k) {
        return k;
    }

    /** The new values {@code [kvHeads, T, headDim]}, before they enter the KV cache and attention. */
    default NDArray values(int layer, NDArray v) {
        return v;
    }

    /**
     * Whether the hook treats every token on its own (a per-token fake quantization), so a call's tokens may be
     * split over several calls with the same results; false unless a hook says so (a per-tensor scale, a capture of
     * whole calls).
     */
    default boolean tokenwise() {
        return false;
    }

    /** A hook's place in a model; closing it removes the hook. */
    interface Registration extends AutoCloseable {
        @Override
        void close();
    }
}
