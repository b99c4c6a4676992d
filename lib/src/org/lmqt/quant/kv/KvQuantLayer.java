package org.lmqt.quant.kv;

/**
 * One layer's calibrated KVQuant quantizers (what qllm-infer's pickles hold per projection).
 *
 * @param keyUpper       per key channel {@code [F]}: the calibrated 99.5th percentile (F = kv heads x head_dim)
 * @param keyLower       per key channel {@code [F]}: the 0.5th percentile
 * @param keyCodebook    the key codebook {@code [2^bits]}, ascending, in normalised units
 * @param valueCodebook  the value codebook {@code [2^bits]}, ascending, in normalised units
 */
public record KvQuantLayer(float[] keyUpper, float[] keyLower, float[] keyCodebook, float[] valueCodebook) {
    public KvQuantLayer {
        if (keyUpper.length != keyLower.length || keyUpper.length == 0) {
            throw new IllegalArgumentException("key thresholds need one upper and one lower value per channel");
        }
        if (keyCodebook.length != valueCodebook.length || Integer.bitCount(keyCodebook.length) != 1) {
            throw new IllegalArgumentException("codebooks must both have 2^bits entries, got "
                    + keyCodebook.length + " and " + valueCodebook.length);
        }
    }

    /** Bits of the codes (log2 of the codebook size). */
    public int bits() {
        return Integer.numberOfTrailingZeros(keyCodebook.length);
    }
}
