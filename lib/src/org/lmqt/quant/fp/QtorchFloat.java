package org.lmqt.quant.fp;

/**
 * qtorch's {@code float_quantize(x, exp, man, rounding="nearest")} (Tiiiger/QPyTorch {@code quant_cpu.cpp}), bit
 * for bit: half an ulp is added to the magnitude bits and the low bits are cut (ties away from zero); no exponent
 * code is reserved, so the largest value is {@code 2^(2^(exp-1)) * (2 - 2^-man)} (480 for e4m3, 114688 for e5m2,
 * 6 for e2m1) and larger values, ±inf and NaN saturate to ±max; below {@code 2^(2 - 2^(exp-1))} the value is
 * rounded on the subnormal grid by adding and subtracting that power of two in float32 (−0 comes back as +0).
 */
public final class QtorchFloat {
    private QtorchFloat() {}

    /** {@code x} rounded to a float with {@code exp} exponent and {@code man} mantissa bits. */
    public static float quantize(float x, int exp, int man) {
        if (exp < 1 || exp > 8 || man < 0 || man > 22) {
            throw new IllegalArgumentException("qtorch float format needs 1..8 exponent and 0..22 mantissa bits, got e"
                    + exp + "m" + man);
        }
        int bits = Float.floatToRawIntBits(x);
        int unbiased = ((bits & 0x7FFFFFFF) >>> 23) - 127;
        int minExp = 2 - (1 << (exp - 1));
        if (unbiased < minExp) {
            // subnormal in the target: shift onto a grid of fixed exponent, round, shift back
            float shift = Float.intBitsToFloat(((127 + minExp) << 23) | (bits & 0x80000000));
            float shifted = x + shift;
            float rounded = Float.intBitsToFloat(roundBitwiseNearest(Float.floatToRawIntBits(shifted), man));
            return rounded - shift;
        }
        int q = roundBitwiseNearest(bits, man);
        return Float.intBitsToFloat(clipExponent(exp, man, bits, q));
    }

    /** Adds half an ulp of the target mantissa to the bit pattern and clears the bits below it. */
    private static int roundBitwiseNearest(int bits, int man) {
        int mask = (1 << (23 - man)) - 1;
        int half = 1 << (23 - man - 1);
        return (bits + half) & ~mask;
    }

    /** Saturates a result whose exponent is beyond the format's largest to ±max (the sign of the input). */
    private static int clipExponent(int exp, int man, int old, int q) {
        if (q == 0) {
            return q;
        }
        int storedExponent = (q & 0x7FFFFFFF) >>> 23;
        int maxStored = (1 << (exp - 1)) + 127;
        if (storedExponent > maxStored) {
            int maxMantissa = (0x7FFFFF >>> (23 - man)) << (23 - man);
            return (old & 0x80000000) | (maxStored << 23) | maxMantissa;
        }
        return q;
    }
}
