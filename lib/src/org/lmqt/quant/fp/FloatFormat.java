package org.lmqt.quant.fp;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A sign-exponent-mantissa element format as LLMC names it ({@code e4m3}, {@code e5m2}, {@code e2m1}, {@code e3m2},
 * {@code e4m7}): {@code exp} exponent bits and {@code man} stored mantissa bits, plus a sign bit.
 */
public record FloatFormat(int exp, int man) {
    private static final Pattern NAME = Pattern.compile("e(\\d)m(\\d+)");

    public static final FloatFormat E4M3 = new FloatFormat(4, 3);
    public static final FloatFormat E5M2 = new FloatFormat(5, 2);
    public static final FloatFormat E2M1 = new FloatFormat(2, 1);

    public FloatFormat {
        if (exp < 1 || exp > 8 || man < 0 || man > 22) {
            throw new IllegalArgumentException("a float format needs 1..8 exponent and 0..22 mantissa bits: e" + exp
                    + "m" + man);
        }
    }

    /** {@code e4m3} → (4, 3); a one-line {@link IllegalArgumentException} otherwise. */
    public static FloatFormat parse(String name) {
        Matcher m = NAME.matcher(name.trim());
        if (!m.matches()) {
            throw new IllegalArgumentException("not a float format: '" + name + "' (expected e<exp>m<man>, e.g. e4m3)");
        }
        return new FloatFormat(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
    }

    /** Bits per element, sign included. */
    public int bits() {
        return 1 + exp + man;
    }

    /**
     * The largest value LLMC's qtorch path divides by: e4m3 and e5m2 take torch's {@code finfo} of
     * {@code float8_e4m3fn}/{@code float8_e5m2} (448, 57344), the others the largest value with no exponent code
     * reserved, {@code (2 - 2^-m) * 2^(2^(e-1))} (6 for e2m1, 28 for e3m2, 510 for e4m7: LLMC's table).
     */
    public float llmcQmax() {
        if (exp == 4 && man == 3) {
            return 448f;
        }
        if (exp == 5 && man == 2) {
            return 57344f;
        }
        return (float) ((2 - Math.pow(2, -man)) * Math.pow(2, 1 << (exp - 1)));
    }

    /** {@code e4m3}. */
    public String name() {
        return "e" + exp + "m" + man;
    }
}
