package org.lmqt.quant.fp;

/**
 * The float32 elementary functions the references call through torch ({@code torch.log2}, {@code 2.0 ** t}), as
 * the correctly rounded float32 result of the exact value; exact for powers of two.
 */
final class Float32Math {
    private Float32Math() {}

    private static final double LN2 = Math.log(2.0);

    /** {@code log2(x)} in float32: exact for powers of two, {@code -inf} for 0, NaN for negative or NaN. */
    static float log2(float x) {
        if (x > 0 && Float.isFinite(x)) {
            int exponent = Math.getExponent(x);
            if (exponent >= Float.MIN_EXPONENT && (Float.floatToRawIntBits(x) & 0x7FFFFF) == 0) {
                return exponent; // a normal power of two
            }
        }
        return (float) (Math.log(x) / LN2);
    }

    /**
     * {@code floor(log2(x))} with float32 {@code log2} (so an x within a few ulps below a power of two gives that
     * power, as torch does); exact and fast from the exponent bits unless x is that close to the next power.
     */
    static float floorLog2(float x) {
        int bits = Float.floatToRawIntBits(x);
        int exponent = (bits >>> 23) & 0xFF;
        if (bits > 0 && exponent != 0 && exponent != 0xFF && (bits & 0x7FFFFF) < 0x7FE000) {
            // below 2^e (2 - 2^-10): log2 stays under e + 1 - 7e-4, far from rounding up to e + 1
            return exponent - 127;
        }
        return (float) Math.floor(log2(x));
    }

    /** {@code 2^t} in float32. */
    static float exp2(float t) {
        if (t == Math.rint(t) && t >= -149 && t <= 127) {
            return (float) Math.scalb(1.0, (int) t); // exact
        }
        return (float) Math.pow(2.0, t);
    }

    /** {@code torch.round}: half to even, in float32. */
    static float roundHalfEven(float x) {
        return (float) Math.rint(x);
    }
}
