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
