package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lmqt.cli.UserException;
import org.lmqt.model.KvPolicy;

/**
 * LLMC's {@code NaiveQuantKVCache} ({@code llmc/compression/quantization/kvquant.py}) with its integer quantizer,
 * dynamic: the prefill quantizes all keys and values and attention reads the dequantized ones (in LLMC the prefill
 * always reads them, so {@code prefill_with_quant} changes nothing here); each decode step reads the dequantized
 * cache followed by the new token unquantized, and stores the re-quantization of that whole concatenation (old
 * tokens are quantized again every step; with per-token steps that is nearly idempotent, per tensor it is not).
 * Left out: LLMC's static (calibrated) scales and its float quantizer for the cache.
 *
 * @param quantizer the quantizer of keys and values
 */
public record NaiveKvPolicy(IntegerKvQuantizer quantizer) implements KvPolicy {
    private static final Pattern NAME = Pattern.compile("naive(\\d+)(-asym)?(?:-(tensor)|-g(\\d+))?");

    /** Parses {@code naive8} (LLMC's config: 8-bit symmetric per token), {@code naive4-asym}, {@code naive8-tensor}, {@code naive4-g32}. */
    public static NaiveKvPolicy parse(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a naive KV config: " + name
                    + " (naive<bits>[-asym][-tensor|-g<group>], e.g. naive8)");
        }
        IntegerKvQuantizer.Granularity g = m.group(3) != null ? IntegerKvQuantizer.Granularity.PER_TENSOR
                : m.group(4) != null ? IntegerKvQuantizer.Granularity.PER_GROUP : IntegerKvQuantizer.Granularity.PER_TOKEN;
        int group = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
        return new NaiveKvPolicy(new IntegerKvQuantizer(Integer.parseInt(m.group(1)), m.group(2) == null, g, group));
    }

    @Override
    public String name() {
        return "naive" + quantizer.bits() + (quantizer.symmetric() ? "" : "-asym") + switch (quantizer.granularity()) {
            case PER_TOKEN -> "";
            case PER_TENSOR -> "-tensor";
            case PER_GROUP -> "-g" + quantizer.groupSize();
        };
    }

    @Override
    public void checkFits(int kvHeads, int headDim) {
        if (quantizer.granularity() == IntegerKvQuantizer.Granularity.PER_GROUP && headDim % quantizer.groupSize() != 0) {
            throw new UserException(name() + ": the KV group size " + quantizer.groupSize()
                    + " does not divide head_dim " + headDim);
        }
    }

    @Override
    public double bytesPerToken(int layers, int kvHeads, int headDim) {
        double groupsPerToken = switch (quantizer.granularity()) {
            case PER_TOKEN -> kvHeads;
            case PER_GROUP -> (double) kvHeads * headDim / quantizer.groupSize();
            case PER_TENSOR -> 0;
        };
        return 2.0 * layers * (kvHeads * headDim * quantizer.bits() / 8.0 + groupsPerToken * quantizer.paramBytesPerGroup());
    }

    @Override
    public Layer newLayer(int layer, NDManager manager) {
        return new Layer() {
            private NDArray keys;    // [KV, L, d] dequantized
            private NDArray values;  // [KV, L, d] dequantized

            @Override
            public NDArray[] append(NewKv kv) {
                NDArray k = Kv.join(keys, kv.keys());                                 // [KV, L+T, d]
                NDArray v = Kv.join(values, kv.values());                             // [KV, L+T, d]
                boolean prefill = keys == null;
                NDArray[] stored = Kv.store(manager, new NDArray[] {keys, values}, quantizer.apply(k), quantizer.apply(v));
                keys = stored[0];
                values = stored[1];
                // the prefill reads the quantized tensors, a decode step the old cache and the exact new token
                return prefill ? new NDArray[] {keys, values} : new NDArray[] {k, v};
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
            public Saved save() {
                return Saved.of(manager, keys, values);
            }

            @Override
            public void restore(Saved saved) {
                NDArray[] kept = Kv.store(manager, new NDArray[] {keys, values}, saved.copy(0, manager),
                        saved.copy(1, manager));
                keys = kept[0];
                values = kept[1];
            }
        };
    }

    @Override
    public String toString() {
        return name();
    }
}
