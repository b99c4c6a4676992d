package org.lmqt.io;

import java.math.BigDecimal;

/**
 * Formats numbers the way pandas writes them ({@code repr} of a Python float): shortest round-trip digits,
 * {@code 10.0} for integral values, scientific notation with a signed two-digit exponent
 * ({@code 3.511252089083428e-07}) when the decimal exponent is below -4 or at least 16, empty for NaN.
 * Keeps our CSVs byte-compatible with the original's.
 */
public final class PyFloat {

    private PyFloat() {}

    /** Python {@code repr(float(v))}, except NaN, which pandas writes as an empty field. */
    public static String repr(double v) {
        if (Double.isNaN(v)) {
            return "";
        }
        if (Double.isInfinite(v)) {
            return v > 0 ? "inf" : "-inf";
        }
        if (v == 0) {
            return (1 / v < 0) ? "-0.0" : "0.0";
        }
        // Double.toString gives the shortest round-trip digits (JDK 19+); re-lay them out the Python way.
        BigDecimal d = new BigDecimal(Double.toString(v));
        String digits = d.unscaledValue().abs().toString();
        int nd = digits.length();
        // strip trailing zeros of the digit string, keeping track of the exponent
        int exp10 = nd - 1 - d.scale();          // decimal exponent of the leading digit
        String sig = digits.replaceFirst("0+$", "");
        if (sig.isEmpty()) {
            sig = "0";
        }
        String sign = v < 0 ? "-" : "";
        if (exp10 < -4 || exp10 >= 16) {
            String mant = sig.length() == 1 ? sig : sig.charAt(0) + "." + sig.substring(1);
            String e = String.format("%s%02d", exp10 < 0 ? "-" : "+", Math.abs(exp10));
            return sign + mant + "e" + e;
        }
        if (exp10 < 0) {
            return sign + "0." + "0".repeat(-exp10 - 1) + sig;
        }
        if (sig.length() <= exp10 + 1) {
            return sign + sig + "0".repeat(exp10 + 1 - sig.length()) + ".0";
        }
        return sign + sig.substring(0, exp10 + 1) + "." + sig.substring(exp10 + 1);
    }

    /** {@code repr} of a float32 value as pandas writes a float32 column after widening: the double's digits. */
    public static String repr(float v) {
        return repr((double) v);
    }
}
