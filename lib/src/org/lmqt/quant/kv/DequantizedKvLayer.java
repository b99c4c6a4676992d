package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import org.lmqt.model.KvPolicy;

/**
 * A layer's cache that keeps its keys and values as full tensors (already fake-quantized by the policy), kept on
 * {@code manager}: their length, contents, and an exact snapshot and restore. Policies implement {@code append}.
 */
abstract class DequantizedKvLayer implements KvPolicy.Layer {
    protected final NDManager manager;
    protected NDArray keys;    // [KV, L, d]; null before the prefill
    protected NDArray values;  // [KV, L, d]; null before the prefill

    DequantizedKvLayer(NDManager manager) {
        this.manager = manager;
    }

    /** Replaces the stored keys and values (kept on the manager; the old ones freed unless reused). */
    protected final void store(NDArray newKeys, NDArray newValues) {
        NDArray[] stored = Kv.store(manager, new NDArray[] {keys, values}, newKeys, newValues);
        keys = stored[0];
        values = stored[1];
    }

    @Override
    public int length() {
        return Kv.tokens(keys);
    }

    @Override
    public NDArray[] contents() {
        return new NDArray[] {keys, values};
    }

    @Override
    public KvPolicy.Saved save() {
        return KvPolicy.Saved.of(manager, keys, values);
    }

    @Override
    public void restore(KvPolicy.Saved saved) {
        store(saved.copy(0, manager), saved.copy(1, manager));
    }
}
