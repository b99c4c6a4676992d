package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lmqt.cli.UserException;
import org.lmqt.model.KvPolicy;

/**
 * KVQuant as qllm-infer simulates it ({@code --kvquant true}: {@code QuantLinearSim_qllm} on k_proj and v_proj):
 * each call's projection outputs are fake-quantized by {@link KvQuantQuantizer} (keys before RoPE, per channel with
 * calibrated thresholds; values per token with dynamic thresholds; non-uniform codebooks; outliers and the first
 * {@code firstFew} rows of each call exact), then the keys get RoPE and both enter the cache as they are. "First
 * rows" are those of each call: the prompt's first token in the prefill, and, since a decoding call has one row,
 * every decoded token with qllm-infer's default of 1 (only prompt tokens 2..T are quantized). The prefill's attention
 * reads the exact keys and values unless {@code prefill_with_quant}.
 *
 * @param bits      code bits (2, 3 or 4)
 * @param firstFew  leading rows of each call kept exact (qllm-infer's {@code --kvquant_first_few_fp16}, 1)
 * @param sparsity  KVQuant's sparsity threshold (0.99: 0.5/99.5 percentiles)
 * @param layers    the calibrated quantizers, one per layer; empty until {@link KvQuantCalibration calibrated}
 */
public record KvQuantPolicy(int bits, int firstFew, double sparsity, List<KvQuantLayer> layers) implements KvPolicy {
    private static final Pattern NAME = Pattern.compile("kvquant(\\d)(?:-f(\\d+))?");

    public KvQuantPolicy {
        if (bits < 2 || bits > 4) {
            throw new IllegalArgumentException("KVQuant bits must be 2, 3 or 4, got " + bits);
        }
        if (firstFew < 0 || !(sparsity > 0 && sparsity < 1)) {
            throw new IllegalArgumentException("KVQuant needs first_few >= 0 and a sparsity threshold in (0, 1)");
        }
        layers = List.copyOf(layers);
        for (KvQuantLayer l : layers) {
            if (l.bits() != bits) {
                throw new IllegalArgumentException("a " + l.bits() + "-bit codebook in a " + bits + "-bit KVQuant policy");
            }
        }
    }

    /** Parses {@code kvquant4} ({@code kvquant<bits>[-f<first rows kept>]}), uncalibrated. */
    public static KvQuantPolicy parse(String name) {
        Matcher m = NAME.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a KVQuant config: " + name + " (kvquant<bits>[-f<first>], e.g. kvquant4)");
        }
        return new KvQuantPolicy(Integer.parseInt(m.group(1)), m.group(2) == null ? 1 : Integer.parseInt(m.group(2)),
                0.99, List.of());
    }

    /** The same settings with calibrated layers. */
    public KvQuantPolicy withLayers(List<KvQuantLayer> calibrated) {
        return new KvQuantPolicy(bits, firstFew, sparsity, calibrated);
    }

    /** The percentile (as a fraction) of the upper threshold: {@code 1 - (1 - sparsity) / 2}. */
    public double threshold() {
        return 1 - (1 - sparsity) / 2;
    }

    /** Whether the quantizers are calibrated. */
    public boolean calibrated() {
        return !layers.isEmpty();
    }

    @Override
    public String name() {
        return "kvquant" + bits + (firstFew == 1 ? "" : "-f" + firstFew);
    }

    @Override
    public void checkFits(int kvHeads, int headDim) {
        if (calibrated() && layers.get(0).keyUpper().length != kvHeads * headDim) {
            throw new UserException(name() + " was calibrated for " + layers.get(0).keyUpper().length
                    + " key channels, the model has " + kvHeads * headDim);
        }
    }

    @Override
    public double bytesPerToken(int layerCount, int kvHeads, int headDim) {
        // dense codes plus the sparse outliers (about 1 - sparsity of the values, fp16 value + 32-bit index each)
        double f = (double) kvHeads * headDim;
        return 2 * layerCount * (f * bits / 8 + (1 - sparsity) * f * 6);
    }

    @Override
    public Layer newLayer(int layer, NDManager manager) {
        if (!calibrated()) {
            throw new IllegalStateException(name() + " is not calibrated (KvQuantCalibration.calibrate)");
        }
        KvQuantLayer q = layers.get(layer);
        // keys quantized before RoPE and stored after it, values quantized
        return new DequantizedKvLayer(manager) {

            @Override
            public NDArray[] append(NewKv kv) {
                boolean prefill = keys == null;
                // quantize the projection outputs [T, F], then RoPE on the keys
                NDArray kq = kv.rope().apply(quantized(kv.keysBeforeRope(), true));   // [KV, T, d]
                NDArray vq = quantized(kv.values(), false);                            // [KV, T, d]
                store(Kv.join(keys, kq), Kv.join(values, vq));
                return prefill && !kv.prefillWithQuant() ? new NDArray[] {kv.keys(), kv.values()}
                        : new NDArray[] {keys, values};
            }

            private NDArray quantized(NDArray x, boolean isKey) {
                Shape s = x.getShape();                                               // [KV, T, d]
                int t = (int) s.get(1);
                int f = (int) (s.get(0) * s.get(2));
                float[] rows = x.transpose(1, 0, 2).toType(DataType.FLOAT32, false).toFloatArray(); // [T, F]
                float[] y = isKey ? KvQuantQuantizer.keys(rows, t, f, q.keyUpper(), q.keyLower(), q.keyCodebook(), firstFew)
                        : KvQuantQuantizer.values(rows, t, f, q.valueCodebook(), threshold(), firstFew);
                return x.getManager().create(y, new Shape(t, s.get(0), s.get(2))).transpose(1, 0, 2)
                        .toType(x.getDataType(), false);                              // [KV, T, d]
            }
        };
    }

    @Override
    public String toString() {
        return name();
    }
}
