package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;

/**
 * Keys and values of the positions already processed, per layer, for incremental generation. Close it when done.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final NDArray[] keys;    // per layer [kvHeads, length, headDim]
    private final NDArray[] values;  // per layer [kvHeads, length, headDim]
    private int length;

    KvCache(NDManager parent, int layers) {
        this.manager = parent.newSubManager();
        this.keys = new NDArray[layers];
        this.values = new NDArray[layers];
    }

    /** Positions held. */
    public int length() {
        return length;
    }

    /**
     * Appends the new keys and values {@code [kvHeads, T, headDim]} of {@code layer} and returns the full ones
     * {@code [kvHeads, length + T, headDim]}; the length advances after the last layer.
     */
    NDArray[] append(int layer, NDArray k, NDArray v) {
        NDArray fullK = keys[layer] == null ? k.duplicate() : keys[layer].concat(k, 1);   // [KV, L+T, d]
        NDArray fullV = values[layer] == null ? v.duplicate() : values[layer].concat(v, 1); // [KV, L+T, d]
        NDScope.unregister(fullK, fullV);
        fullK.attach(manager);
        fullV.attach(manager);
        if (keys[layer] != null) {
            keys[layer].close();
            values[layer].close();
        }
        keys[layer] = fullK;
        values[layer] = fullV;
        if (layer == keys.length - 1) {
            length = (int) fullK.getShape().get(1);
        }
        return new NDArray[] {fullK, fullV};
    }

    @Override
    public void close() {
        manager.close();
    }
}
