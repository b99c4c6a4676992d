package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lmqt.cli.UserException;
import org.lmqt.model.KvPolicy;

/**
 * KIVI's KV cache (jy-yuan/KIVI {@code models/llama_kivi.py}; qllm-infer {@code lib/kivi/models/llama_kivi_qllm.py}):
 * keys (after RoPE) quantized per channel in groups of G tokens, values per token in groups of G channels, with a
 * full-precision residual of recent tokens.
 * <ul>
 *   <li>Prefill of T tokens: the keys of the first {@code T - T % R} tokens are quantized, the last {@code T % R}
 *   kept; the values of the first {@code T - R} tokens are quantized, the last R kept (none if {@code T <= R}).
 *   Attention reads the exact K/V, or with {@code prefill_with_quant} the quantized part followed by the residual.
 *   <li>Decode: a new key joins the key residual, a new value the value residual; attention reads quantized part +
 *   residual (the new token included); then a key residual of R tokens is quantized as one block and emptied, and
 *   a value residual longer than R has its oldest tokens quantized (per token) and dropped from it.
 * </ul>
 * Calls of several tokens after the prefill (not made by lmqt's generator) follow the decode rule, all tokens at once.
 * Difference from qllm-infer on purpose: its prefill_with_quant path dequantizes the values with the key bits
 * (wrong when they differ); here the value bits are used.
 *
 * @param keyBits   bits of the key codes (2 or 4 in the references; 8 is accepted)
 * @param valueBits bits of the value codes
 * @param groupSize G, tokens per key group and channels per value group (must divide head_dim)
 * @param residual  R, the full-precision window (a multiple of G)
 */
public record KiviPolicy(int keyBits, int valueBits, int groupSize, int residual) implements KvPolicy {
    /** qllm-infer's defaults ({@code --kivi_group_size 32 --kivi_residual_length 128}). */
    public static final int DEFAULT_GROUP = 32;
    public static final int DEFAULT_RESIDUAL = 128;

    private static final Pattern NAME = Pattern.compile("kivi(?:(\\d+)|-k(\\d+)v(\\d+))(?:-g(\\d+))?(?:-r(\\d+))?");

    public KiviPolicy {
        new KiviQuantizer(keyBits, groupSize);
        new KiviQuantizer(valueBits, groupSize);
        if (residual < groupSize || residual % groupSize != 0) {
            throw new IllegalArgumentException("KIVI residual length " + residual
                    + " must be a positive multiple of the group size " + groupSize);
        }
    }

    /** Parses {@code kivi2}, {@code kivi4}, {@code kivi-k4v2}, each optionally with {@code -g<G>} and {@code -r<R>}. */
    public static KiviPolicy parse(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a KIVI config: " + name
                    + " (kivi2, kivi4, kivi-k4v2, optionally -g<group>-r<residual>, e.g. kivi2-g32-r128)");
        }
        int k = Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2));
        int v = Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(3));
        int g = m.group(4) == null ? DEFAULT_GROUP : Integer.parseInt(m.group(4));
        int r = m.group(5) == null ? DEFAULT_RESIDUAL : Integer.parseInt(m.group(5));
        return new KiviPolicy(k, v, g, r);
    }

    @Override
    public String name() {
        String bits = keyBits == valueBits ? "kivi" + keyBits : "kivi-k" + keyBits + "v" + valueBits;
        return bits + "-g" + groupSize + "-r" + residual;
    }

    @Override
    public void checkFits(int kvHeads, int headDim) {
        if (headDim % groupSize != 0) {
            throw new UserException(name() + ": the KV group size " + groupSize + " does not divide head_dim "
                    + headDim);
        }
    }

    @Override
    public double bytesPerToken(int layers, int kvHeads, int headDim) {
        // codes, plus an fp16 scale and minimum per group of G (keys: per channel per G tokens; values: per token)
        return (double) layers * kvHeads * headDim * ((keyBits + valueBits) / 8.0 + 2 * 4.0 / groupSize);
    }

    @Override
    public Layer newLayer(int layer, NDManager manager) {
        return new KiviLayer(manager);
    }

    @Override
    public String toString() {
        return name();
    }

    /** One layer's quantized parts and residuals. */
    private final class KiviLayer implements Layer {
        private final NDManager manager;
        private final KiviQuantizer keyQuant = new KiviQuantizer(keyBits, groupSize);
        private final KiviQuantizer valueQuant = new KiviQuantizer(valueBits, groupSize);
        private NDArray keysQuant;     // [KV, Lq, d] dequantized, or null
        private NDArray keysResidual;  // [KV, 0..R-1, d], or null
        private NDArray valuesQuant;   // [KV, Lq', d] dequantized, or null
        private NDArray valuesResidual; // [KV, <= R, d] (exactly R once warm), or null

        KiviLayer(NDManager manager) {
            this.manager = manager;
        }

        @Override
        public NDArray[] append(NewKv kv) {
            boolean prefill = length() == 0;
            if (prefill) {
                storePrefill(kv.keys(), kv.values());
                return kv.prefillWithQuant() ? contents() : new NDArray[] {kv.keys(), kv.values()};
            }
            // decode: the new tokens join the residuals; attention reads quantized part + residual
            setKeys(keysQuant, Kv.join(keysResidual, kv.keys()));
            setValues(valuesQuant, Kv.join(valuesResidual, kv.values()));
            NDArray[] read = contents();
            // then full key residuals are quantized in blocks of R, and values beyond R oldest first
            while (Kv.tokens(keysResidual) >= residual) {
                NDArray block = keyQuant.keys(Kv.slice(keysResidual, 0, residual)).dequantized(); // [KV, R, d]
                setKeys(Kv.join(keysQuant, block), Kv.slice(keysResidual, residual, Kv.tokens(keysResidual)));
            }
            int extra = Kv.tokens(valuesResidual) - residual;
            if (extra > 0) {
                NDArray oldest = valueQuant.values(Kv.slice(valuesResidual, 0, extra)).dequantized(); // [KV, extra, d]
                setValues(Kv.join(valuesQuant, oldest), Kv.slice(valuesResidual, extra, Kv.tokens(valuesResidual)));
            }
            return read;
        }

        /** Prefill of T tokens: keys of the first T - T%R quantized, values of the first T - R. */
        private void storePrefill(NDArray k, NDArray v) {
            int t = (int) k.getShape().get(1);
            int keysQuantized = t - t % residual;
            int valuesQuantized = Math.max(t - residual, 0);
            setKeys(keysQuantized == 0 ? null : keyQuant.keys(Kv.slice(k, 0, keysQuantized)).dequantized(),
                    Kv.slice(k, keysQuantized, t));
            setValues(valuesQuantized == 0 ? null : valueQuant.values(Kv.slice(v, 0, valuesQuantized)).dequantized(),
                    Kv.slice(v, valuesQuantized, t));
        }

        private void setKeys(NDArray quant, NDArray resid) {
            NDArray[] kept = Kv.store(manager, new NDArray[] {keysQuant, keysResidual}, quant, resid);
            keysQuant = kept[0];
            keysResidual = kept[1];
        }

        private void setValues(NDArray quant, NDArray resid) {
            NDArray[] kept = Kv.store(manager, new NDArray[] {valuesQuant, valuesResidual}, quant, resid);
            valuesQuant = kept[0];
            valuesResidual = kept[1];
        }

        @Override
        public int length() {
            return Kv.tokens(keysQuant) + Kv.tokens(keysResidual);
        }

        @Override
        public NDArray[] contents() {
            return new NDArray[] {Kv.join(keysQuant, keysResidual), Kv.join(valuesQuant, valuesResidual)};
        }

        /** Both quantized parts and both residual windows, so a restored layer quantizes on exactly as before. */
        @Override
        public Saved save() {
            return Saved.of(manager, keysQuant, keysResidual, valuesQuant, valuesResidual);
        }

        @Override
        public void restore(Saved saved) {
            setKeys(saved.copy(0, manager), saved.copy(1, manager));
            setValues(saved.copy(2, manager), saved.copy(3, manager));
        }
    }
}
