package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.UnaryOperator;

/**
 * Keys and values of the positions already processed, per layer, for incremental generation, stored as a
 * {@link KvPolicy} says (exactly, or through a KV-cache quantization method). Close it when done.
 * <p>
 * Rewindable: {@link #snapshot} copies every layer's state (for a quantizing policy its quantized parts and its
 * full-precision windows, e.g. KIVI's residuals), {@link #restore} puts it back exactly, as often as needed, so
 * one prefix serves several continuations:
 * <pre>{@code try (KvCache cache = model.newCache()) {
 *     model.forward(prefix, cache);
 *     try (KvCache.Snapshot mark = cache.snapshot()) {
 *         model.forward(a, cache);      // positions after the prefix
 *         cache.restore(mark);
 *         model.forward(b, cache);      // as if a had never run
 *     }
 * }}</pre>
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

    /**
     * A copy of the whole cache now, for {@link #restore}; close it when no longer needed (closing the cache frees
     * it too).
     */
    public Snapshot snapshot() {
        KvPolicy.Saved[] saved = new KvPolicy.Saved[layers.length];
        for (int i = 0; i < layers.length; i++) {
            saved[i] = layers[i].save();
        }
        return new Snapshot(this, length, saved);
    }

    /**
     * Puts the cache back exactly as it was at {@code snapshot} (one of this cache's); the snapshot stays usable.
     */
    public void restore(Snapshot snapshot) {
        if (snapshot.cache != this) {
            throw new IllegalArgumentException("a snapshot of another KV cache");
        }
        if (snapshot.closed) {
            throw new IllegalStateException("the snapshot was closed");
        }
        for (int i = 0; i < layers.length; i++) {
            layers[i].restore(snapshot.layers[i]);
        }
        length = snapshot.length;
    }

    /** The saved state of every layer of a cache at one length. */
    public static final class Snapshot implements AutoCloseable {
        private final KvCache cache;
        private final int length;
        private final KvPolicy.Saved[] layers;
        private boolean closed;

        private Snapshot(KvCache cache, int length, KvPolicy.Saved[] layers) {
            this.cache = cache;
            this.length = length;
            this.layers = layers;
        }

        /** Positions the cache held when the snapshot was taken. */
        public int length() {
            return length;
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                for (KvPolicy.Saved s : layers) {
                    s.close();
                }
            }
        }
    }

    @Override
    public void close() {
        manager.close();
    }
}
