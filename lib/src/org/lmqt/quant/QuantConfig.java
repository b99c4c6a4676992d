package org.lmqt.quant;

import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One quantization configuration: {@code bits} per weight in groups of {@code group} weights, with the scales (and
 * zeros) meta-quantized to {@code metaBits} bits in groups of {@code metaGroup}, as the MXQ fork of HQQ does it.
 * The name is the original's {@code b<bits>g<group>} (e.g. {@code b4g64}); the second level is always 8/128 there.
 */
public record QuantConfig(int bits, int group, int metaBits, int metaGroup) implements Comparable<QuantConfig> {

    /** Bit widths the fork's quantizer supports (6 and 5 are stored as 8-bit). */
    public static final List<Integer> SUPPORTED_BITS = List.of(1, 2, 3, 4, 5, 6, 8);

    /** The 12 candidate configs of FNorm tables and MXQ, in the original's row order (nbit1, then gsize1). */
    public static final List<QuantConfig> MXQ_CANDIDATES = candidates();

    private static final Pattern NAME = Pattern.compile("b(\\d+)g(\\d+)");

    public QuantConfig {
        if (!SUPPORTED_BITS.contains(bits)) {
            throw new IllegalArgumentException("unsupported bit width " + bits + " (supported: " + SUPPORTED_BITS + ")");
        }
        if (group <= 0 || metaBits <= 0 || metaGroup <= 0) {
            throw new IllegalArgumentException("group sizes and meta bits must be positive: b" + bits + "g" + group);
        }
    }

    /** The usual config: meta-quantization with 8 bits in groups of 128. */
    public QuantConfig(int bits, int group) {
        this(bits, group, 8, 128);
    }

    /** Parses {@code b4g64}; one-line {@link IllegalArgumentException} otherwise. */
    public static QuantConfig parse(String name) {
        Matcher m = NAME.matcher(name.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a quantization config name: '" + name + "' (expected b<bits>g<group>, e.g. b4g64)");
        }
        return new QuantConfig(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** {@code b<bits>g<group>}. */
    public String name() {
        return "b" + bits + "g" + group;
    }

    /** Bits per parameter as every CSV of the original counts them: {@code b1 + 2*b2/g1 + 32/(g1*g2)}. */
    public double bitsPerParameter() {
        return bitsPerParameter(bits, group, metaBits, metaGroup);
    }

    /** {@code b1 + 2*b2/g1 + 32/(g1*g2)}: one b2-bit scale and zero per group, one fp16 pair per meta group. */
    public static double bitsPerParameter(int b1, int g1, int b2, int g2) {
        return b1 + 2.0 * b2 / g1 + 32.0 / ((double) g1 * g2);
    }

    /** Memory of a matrix with {@code params} weights in MiB: {@code bpp * params / 8 / 2^20}. */
    public double memoryMiB(long params) {
        return bitsPerParameter() * params / 8 / 1024 / 1024;
    }

    /** Largest code value, {@code 2^bits - 1}. */
    public int maxCode() {
        return (1 << bits) - 1;
    }

    @Override
    public int compareTo(QuantConfig o) {
        int c = Integer.compare(bits, o.bits);
        return c != 0 ? c : Integer.compare(group, o.group);
    }

    @Override
    public String toString() {
        return name();
    }

    private static List<QuantConfig> candidates() {
        var list = new java.util.ArrayList<QuantConfig>();
        for (int b : new int[] {2, 3, 4, 8}) {
            for (int g : new int[] {32, 64, 128}) {
                list.add(new QuantConfig(b, g));
            }
        }
        return List.copyOf(list);
    }
}
