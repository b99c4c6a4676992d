package org.lmqt.quant.fp;

import java.util.Arrays;
import java.util.Locale;

/**
 * The OCP MX element formats as microxcaling's {@code formats.py} parameterises them: {@code ebits} exponent bits,
 * {@code mbits} mantissa bits counting the sign and the implicit bit, {@code emax} the largest normal exponent and
 * {@code maxNorm} the largest value.
 */
public enum MxFormat {
    FP8_E4M3(4, 5, 8, 448f),
    FP8_E5M2(5, 4, 15, 57344f),
    FP6_E3M2(3, 4, 4, 28f),
    FP6_E2M3(2, 5, 2, 7.5f),
    FP4_E2M1(2, 3, 2, 6f);

    private final int ebits;
    private final int mbits;
    private final int emax;
    private final float maxNorm;

    MxFormat(int ebits, int mbits, int emax, float maxNorm) {
        this.ebits = ebits;
        this.mbits = mbits;
        this.emax = emax;
        this.maxNorm = maxNorm;
    }

    public int ebits() {
        return ebits;
    }

    public int mbits() {
        return mbits;
    }

    public int emax() {
        return emax;
    }

    public float maxNorm() {
        return maxNorm;
    }

    /** Bits per element (sign, exponent, stored mantissa). */
    public int bits() {
        return ebits + mbits - 1;
    }

    /** {@code fp8_e4m3}. */
    public String configName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code fp8_e4m3} or the short {@code e4m3}; a one-line {@link IllegalArgumentException} otherwise. */
    public static MxFormat parse(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (MxFormat f : values()) {
            if (f.configName().equals(n) || f.configName().substring(f.configName().indexOf('_') + 1).equals(n)) {
                return f;
            }
        }
        throw new IllegalArgumentException("unknown MX element format '" + name + "' (known: "
                + Arrays.stream(values()).map(MxFormat::configName).toList() + ")");
    }
}
