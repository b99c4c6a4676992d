package org.lmqt.quant.kv;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.lmqt.model.KvPolicy;
import org.lmqt.quant.fp.FloatFormat;

/**
 * LLMC's {@code NaiveQuantKVCache} ({@code llmc/compression/quantization/kvquant.py}) with its integer or float
 * quantizer, dynamic: the prefill quantizes all keys and values and attention reads the dequantized ones (in LLMC the
 * prefill always reads them, so {@code prefill_with_quant} changes nothing here); each decode step reads the
 * dequantized cache followed by the new token unquantized, and stores the re-quantization of that whole
 * concatenation (old tokens are quantized again every step; with per-token steps that is nearly idempotent, per
 * tensor it is not). Left out: LLMC's static (calibrated) scales.
 *
 * @param quantizer the quantizer of keys and values
 */
public record NaiveKvPolicy(NaiveKvQuantizer quantizer) implements KvPolicy {
    private static final Pattern INTEGER = Pattern.compile("naive(\\d+)(-asym)?(?:-(tensor)|-g(\\d+))?");
    private static final Pattern FLOAT = Pattern.compile("naive-(e\\dm\\d)(-qtorch)?(?:-g(\\d+))?");

    /**
     * Parses an integer config ({@code naive8}: LLMC's, 8-bit symmetric per token; {@code naive4-asym},
     * {@code naive8-tensor}, {@code naive4-g32}) or a float one ({@code naive-e4m3}: per token; {@code naive-e5m2},
     * {@code naive-e4m3-qtorch}, {@code naive-e4m3-g32}).
     */
    public static NaiveKvPolicy parse(String name) {
        Matcher f = FLOAT.matcher(name);
        if (f.matches()) {
            FloatFormat format = FloatFormat.parse(f.group(1));
            if (!KV_FLOATS.contains(format)) {
                throw new IllegalArgumentException("naive float KV formats are " + KV_FLOATS.stream()
                        .map(FloatFormat::name).toList() + ", not " + format.name());
            }
            return new NaiveKvPolicy(FloatKvQuantizer.of(format, f.group(3) == null ? 0 : Integer.parseInt(f.group(3)),
                    f.group(2) != null));
        }
        Matcher m = INTEGER.matcher(name);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a naive KV config: " + name
                    + " (naive<bits>[-asym][-tensor|-g<group>], e.g. naive8, or naive-<e4m3|e5m2>[-qtorch][-g<group>])");
        }
        IntegerKvQuantizer.Granularity g = m.group(3) != null ? IntegerKvQuantizer.Granularity.PER_TENSOR
                : m.group(4) != null ? IntegerKvQuantizer.Granularity.PER_GROUP : IntegerKvQuantizer.Granularity.PER_TOKEN;
        int group = m.group(4) == null ? 0 : Integer.parseInt(m.group(4));
        return new NaiveKvPolicy(new IntegerKvQuantizer(Integer.parseInt(m.group(1)), m.group(2) == null, g, group));
    }

    /** The float formats of LLMC's KV configs. */
    static final java.util.List<FloatFormat> KV_FLOATS = java.util.List.of(FloatFormat.E4M3, FloatFormat.E5M2);

    @Override
    public String name() {
        return "naive" + quantizer.suffix();
    }

    @Override
    public void checkFits(int kvHeads, int headDim) {
        quantizer.checkFits(name(), headDim);
    }

    @Override
    public double bytesPerToken(int layers, int kvHeads, int headDim) {
        return 2.0 * layers * quantizer.bytesPerToken(kvHeads, headDim);
    }

    @Override
    public Layer newLayer(int layer, NDManager manager) {
        return new DequantizedKvLayer(manager) {

            @Override
            public NDArray[] append(NewKv kv) {
                NDArray k = Kv.join(keys, kv.keys());                                 // [KV, L+T, d]
                NDArray v = Kv.join(values, kv.values());                             // [KV, L+T, d]
                boolean prefill = keys == null;
                store(quantizer.apply(k), quantizer.apply(v));
                // the prefill reads the quantized tensors, a decode step the old cache and the exact new token
                return prefill ? new NDArray[] {keys, values} : new NDArray[] {k, v};
            }
        };
    }

    @Override
    public String toString() {
        return name();
    }
}
