package org.lmqt.model;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import java.util.function.UnaryOperator;

/**
 * How a {@link KvCache} stores keys and values and what attention reads from it: exactly ({@link #EXACT}), or
 * through a KV-cache quantization method ({@code org.lmqt.quant.kv}). A policy makes one {@link Layer} per decoder
 * layer and cache; the layer keeps its arrays in the cache's manager.
 */
public interface KvPolicy {

    /** The name used on the command line and in result files ({@code none}, {@code kivi2-g32-r128}, ...). */
    String name();

    /** Refuses (one-line {@code UserException}) a model whose key/value heads the method cannot quantize. */
    default void checkFits(int kvHeads, int headDim) {
    }

    /** A new, empty layer cache whose arrays live in {@code manager}. */
    Layer newLayer(int layer, NDManager manager);

    /**
     * Bytes the cache of one token takes in all layers of a model with {@code layers} layers and {@code kvHeads}
     * key/value heads of {@code headDim} channels, counting the quantized codes and their per-group parameters
     * (full-precision windows are counted as quantized: they are a constant per sequence, not per token).
     */
    double bytesPerToken(int layers, int kvHeads, int headDim);

    /** The new keys and values of one call of a layer. */
    record NewKv(
            NDArray keysBeforeRope,          // [KV, T, d] the k_proj output, before RoPE (and the keys hooks)
            NDArray keys,                    // [KV, T, d] after RoPE
            NDArray values,                  // [KV, T, d]
            UnaryOperator<NDArray> rope,     // applies this call's RoPE to a [KV, T, d] array
            boolean prefillWithQuant) {      // prefill attention reads the quantized cache (else the exact K/V)
    }

    /** One layer's cache. */
    interface Layer {
        /**
         * Stores {@code kv} and returns what attention reads in this call, {@code {K, V}} each {@code [KV, L+T, d]};
         * the returned arrays stay valid for the call (they may be closed when the next call stores).
         */
        NDArray[] append(NewKv kv);

        /** Positions held. */
        int length();

        /** The cache as the next call reads it before appending, {@code {K, V}} each {@code [KV, L, d]}. */
        NDArray[] contents();

        /**
         * A copy of this layer's whole state now (quantized parts and full-precision windows alike), which
         * {@link #restore} puts back exactly.
         */
        Saved save();

        /** Puts this layer back exactly as it was at {@code saved} (its own {@link #save}); saved stays usable. */
        void restore(Saved saved);
    }

    /**
     * A layer's state at one moment: copies of its arrays in a fixed order the layer chooses ({@code null} for an
     * empty part), in the cache's manager; closing it frees them (closing the cache does too).
     */
    final class Saved implements AutoCloseable {
        private final NDArray[] parts;

        private Saved(NDArray[] parts) {
            this.parts = parts;
        }

        /** Copies of {@code state} (nulls stay null), kept in {@code manager}. */
        public static Saved of(NDManager manager, NDArray... state) {
            NDArray[] copies = new NDArray[state.length];
            for (int i = 0; i < state.length; i++) {
                copies[i] = state[i] == null ? null : keep(state[i].duplicate(), manager);
            }
            return new Saved(copies);
        }

        /** Number of parts. */
        public int size() {
            return parts.length;
        }

        /** A fresh copy of part {@code i}, kept in {@code manager} for the layer to hold ({@code null} if empty). */
        public NDArray copy(int i, NDManager manager) {
            return parts[i] == null ? null : keep(parts[i].duplicate(), manager);
        }

        @Override
        public void close() {
            replace(parts);
        }
    }

    /** The full-precision cache: keys and values stored as they come. */
    KvPolicy EXACT = new KvPolicy() {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public Layer newLayer(int layer, NDManager manager) {
            return new Layer() {
                private NDArray keys;    // [KV, L, d]
                private NDArray values;  // [KV, L, d]

                @Override
                public NDArray[] append(NewKv kv) {
                    NDArray k = keys == null ? kv.keys().duplicate() : keys.concat(kv.keys(), 1);     // [KV, L+T, d]
                    NDArray v = values == null ? kv.values().duplicate() : values.concat(kv.values(), 1); // [KV, L+T, d]
                    replace(keys, values);
                    keys = keep(k, manager);
                    values = keep(v, manager);
                    return new NDArray[] {keys, values};
                }

                @Override
                public int length() {
                    return keys == null ? 0 : (int) keys.getShape().get(1);
                }

                @Override
                public NDArray[] contents() {
                    return new NDArray[] {keys, values};
                }

                @Override
                public Saved save() {
                    return Saved.of(manager, keys, values);
                }

                @Override
                public void restore(Saved saved) {
                    replace(keys, values);
                    keys = saved.copy(0, manager);
                    values = saved.copy(1, manager);
                }
            };
        }

        @Override
        public double bytesPerToken(int layers, int kvHeads, int headDim) {
            return 2.0 * layers * kvHeads * headDim * 2;   // K and V in fp16
        }

        @Override
        public String toString() {
            return name();
        }
    };

    /** Moves {@code a} out of the current {@link NDScope} into {@code manager}, where it outlives the call. */
    static NDArray keep(NDArray a, NDManager manager) {
        NDScope.unregister(a);
        a.attach(manager);
        return a;
    }

    /** Closes the arrays a layer no longer holds ({@code null}s are skipped). */
    static void replace(NDArray... old) {
        for (NDArray a : old) {
            if (a != null) {
                a.close();
            }
        }
    }
}
