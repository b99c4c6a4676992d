package org.lmqt.io;

import java.util.regex.Pattern;

/**
 * Reads decimal text into a double the way pandas' default C CSV parser does ({@code float_precision=None}, the
 * "high" precision {@code precise_xstrtod}), which is not correctly rounded. Tables written by the original after a
 * pandas round trip carry these values, so reproducing them byte for byte needs this reader rather than
 * {@link Double#parseDouble}. The rule:
 * <ol>
 *   <li>optional leading whitespace and sign;</li>
 *   <li>at most 17 mantissa digits are used, leading zeros included, each as {@code m = m * 10 + d} in double
 *       arithmetic; further integer digits only raise the decimal exponent by one each, further fraction digits
 *       are skipped;</li>
 *   <li>an optional exponent ({@code e} or {@code E}, optional sign, up to 17 digits) is added to the exponent;</li>
 *   <li>one scaling by the correctly rounded double {@code 1e<k>}: {@code m * 1e<e>} for {@code e > 0},
 *       {@code m / 1e<-e>} for {@code -308 <= e <= 0}, {@code m / 1e<-308-e> / 1e308} for {@code -616 <= e < -308},
 *       zero below; an exponent above 308, or a result that overflows, is out of range;</li>
 *   <li>optional trailing whitespace, then the end of the text.</li>
 * </ol>
 * Example: {@code "3.9410243132303155"} gives the double printed as {@code 3.941024313230316}, one ulp above the
 * correctly rounded value. {@code inf}, {@code +inf}, {@code -inf}, {@code infinity} (any case) are infinite, as in
 * pandas. Missing-value markers ({@code NA}, empty) are the CSV reader's business ({@link PandasCsv#read}), not this
 * parser's. Unlike pandas' routine, text without any mantissa digit ({@code "-"}, {@code "."}) is rejected rather than
 * read as zero. {@link #parseRoundTrip} is pandas' {@code float_precision="round_trip"}: the same texts, correctly
 * rounded.
 */
public final class PandasFloatParser {

    /** Mantissa digits used; later ones are dropped. */
    static final int MAX_DIGITS = 17;
    /** Largest power of ten that is a finite double. */
    private static final int MAX_POWER = 308;
    /** {@code 1e0 .. 1e308}, each the correctly rounded double (as a C or Java literal is). */
    private static final double[] POWERS_OF_TEN = new double[MAX_POWER + 1];

    static {
        for (int k = 0; k <= MAX_POWER; k++) {
            POWERS_OF_TEN[k] = Double.parseDouble("1e" + k);
        }
    }

    /** The decimal numbers both readers accept (surrounding ASCII whitespace allowed). */
    private static final Pattern DECIMAL = Pattern.compile(
            "[ \\t\\n\\u000b\\f\\r]*[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?[ \\t\\n\\u000b\\f\\r]*");

    private PandasFloatParser() {}

    /**
     * The double pandas reads for {@code text} with {@code float_precision="round_trip"} (Python's {@code float}):
     * correctly rounded, infinite beyond the double range.
     *
     * @throws NumberFormatException if {@code text} is not a decimal number or an infinity
     */
    public static double parseRoundTrip(String text) {
        String stripped = text.strip();
        if (isInfinity(stripped)) {
            return stripped.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        if (!DECIMAL.matcher(text).matches()) {
            throw new NumberFormatException("not a number: '" + text + "'");
        }
        return Double.parseDouble(stripped);
    }

    /**
     * The double pandas reads for {@code text}.
     *
     * @throws NumberFormatException if {@code text} is not a number to pandas' C parser, or out of double range
     */
    public static double parse(String text) {
        String stripped = text.strip();
        if (isInfinity(stripped)) {
            return stripped.startsWith("-") ? Double.NEGATIVE_INFINITY : Double.POSITIVE_INFINITY;
        }
        Scan s = new Scan(text);
        s.skipWhitespace();
        boolean negative = s.sign();
        double mantissa = 0;
        int usedDigits = 0;
        int exponent = 0;
        boolean anyDigit = false;
        while (s.digit() >= 0) {
            if (usedDigits < MAX_DIGITS) {
                mantissa = mantissa * 10 + s.digit();
                usedDigits++;
            } else {
                exponent++;
            }
            anyDigit = true;
            s.advance();
        }
        if (s.peek() == '.') {
            s.advance();
            while (s.digit() >= 0) {
                if (usedDigits < MAX_DIGITS) {
                    mantissa = mantissa * 10 + s.digit();
                    usedDigits++;
                    exponent--;
                }
                anyDigit = true;
                s.advance();
            }
        }
        if (!anyDigit) {
            throw new NumberFormatException("not a number: '" + text + "'");
        }
        if (negative) {
            mantissa = -mantissa;
        }
        if (s.peek() == 'e' || s.peek() == 'E') {
            s.advance();
            boolean negativeExponent = s.sign();
            long written = 0;
            int exponentDigits = 0;
            while (exponentDigits < MAX_DIGITS && s.digit() >= 0) {
                written = written * 10 + s.digit();
                exponentDigits++;
                s.advance();
            }
            if (exponentDigits == 0) {
                throw new NumberFormatException("exponent without digits: '" + text + "'");
            }
            exponent = (int) Math.max(Integer.MIN_VALUE / 2,
                    Math.min(Integer.MAX_VALUE / 2, exponent + (negativeExponent ? -written : written)));
        }
        s.skipWhitespace();
        if (!s.atEnd()) {
            throw new NumberFormatException("not a number: '" + text + "'");
        }
        double value = scale(mantissa, exponent);
        if (Double.isInfinite(value) || exponent > MAX_POWER) {
            throw new NumberFormatException("out of double range: '" + text + "'");
        }
        return value;
    }

    /** {@code mantissa * 10^exponent} with pandas' single scaling step (two below 1e-308). */
    private static double scale(double mantissa, int exponent) {
        if (exponent > MAX_POWER) {
            return Double.POSITIVE_INFINITY;
        }
        if (exponent > 0) {
            return mantissa * POWERS_OF_TEN[exponent];
        }
        if (exponent >= -MAX_POWER) {
            return mantissa / POWERS_OF_TEN[-exponent];
        }
        if (exponent >= -2 * MAX_POWER) {
            return mantissa / POWERS_OF_TEN[-MAX_POWER - exponent] / POWERS_OF_TEN[MAX_POWER];
        }
        return 0.0;              // pandas' routine sets +0.0 here, whatever the sign
    }

    private static boolean isInfinity(String s) {
        String unsigned = s.startsWith("-") || s.startsWith("+") ? s.substring(1) : s;
        return unsigned.equalsIgnoreCase("inf") || unsigned.equalsIgnoreCase("infinity");
    }

    /** A cursor over the text. */
    private static final class Scan {
        private final String text;
        private int pos;

        Scan(String text) {
            this.text = text;
        }

        char peek() {
            return pos < text.length() ? text.charAt(pos) : '\0';
        }

        /** The digit under the cursor, or -1. */
        int digit() {
            char c = peek();
            return c >= '0' && c <= '9' ? c - '0' : -1;
        }

        void advance() {
            pos++;
        }

        boolean atEnd() {
            return pos >= text.length();
        }

        /** Consumes an optional sign; true for minus. */
        boolean sign() {
            char c = peek();
            if (c == '-' || c == '+') {
                pos++;
            }
            return c == '-';
        }

        /** Skips ASCII whitespace (space, tab, line feed, vertical tab, form feed, carriage return). */
        void skipWhitespace() {
            while (!atEnd() && " \t\n\u000b\f\r".indexOf(peek()) >= 0) {
                pos++;
            }
        }
    }
}
