package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.UnaryOperator;

/**
 * Keys and values of the positions already processed, per layer, for incremental generation, stored as a
 * {@link KvPolicy} says (exactly, or through a KV-cache quantization method). Close it when done.
 */
public final class KvCache implements AutoCloseable {
    private final NDManager manager;
    private final KvPolicy policy;
    private final boolean prefillWithQuant;
    private final KvPolicy.Layer[] layers;
    private int length;

    KvCache(NDManager parent, int layers, KvPolicy policy, boolean prefillWithQuant) {
        this.manager = parent.newSubManager();
        this.policy = policy;
        this.prefillWithQuant = prefillWithQuant;
        this.layers = new KvPolicy.Layer[layers];
        for (int i = 0; i < layers; i++) {
            this.layers[i] = policy.newLayer(i, manager);
        }
    }

    /** Positions held. */
    public int length() {
        return length;
    }

    /** How the cache stores keys and values. */
    public KvPolicy policy() {
        return policy;
    }

    /** Whether the prefill's attention reads the quantized cache (the references' {@code prefill_with_quant}). */
    public boolean prefillWithQuant() {
        return prefillWithQuant;
    }

    /** The stored keys and values of {@code layer} as the next call reads them, {@code {K, V}} each {@code [KV, L, d]}. */
    public NDArray[] contents(int layer) {
        return layers[layer].contents();
    }

    /**
     * Appends the new keys {@code k} (after RoPE; {@code kPre} before it, {@code rope} re-applies this call's RoPE)
     * and values {@code v}, each {@code [kvHeads, T, headDim]}, of {@code layer} and returns what attention reads,
     * {@code {K, V}} each {@code [kvHeads, length + T, headDim]}; the length advances after the last layer.
     */
    NDArray[] append(int layer, NDArray kPre, NDArray k, NDArray v, UnaryOperator<NDArray> rope) {
        NDArray[] kv = layers[layer].append(new KvPolicy.NewKv(kPre, k, v, rope, prefillWithQuant));
        if (layer == layers.length - 1) {
            length = layers[layer].length();
        }
        return kv;
    }

    @Override
    public void close() {
        manager.close();
    }
}
