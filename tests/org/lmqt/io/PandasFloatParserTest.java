package org.lmqt.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** pandas' C-parser float reading ({@code precise_xstrtod}), on the calib README's examples and the edge cases. */
class PandasFloatParserTest {

    @Test
    void readmeExampleDiffersFromTheCorrectlyRoundedValue() {
        double pandas = PandasFloatParser.parse("3.9410243132303155");
        assertEquals("3.941024313230316", PyFloat.repr(pandas));
        assertEquals("3.9410243132303155", PyFloat.repr(Double.parseDouble("3.9410243132303155")));
    }

    @Test
    void leadingZerosCountTowardsTheSeventeenDigits() {
        // the 17 digits 0.000118722688057|45989 are used: 1187226880574 / 1e16, one rounding (readr keeps 18)
        assertEquals(Double.parseDouble("1.187226880574e-4"), PandasFloatParser.parse("0.00011872268805745989"));
        assertNotEquals(Double.parseDouble("0.00011872268805745989"), PandasFloatParser.parse("0.00011872268805745989"));
    }

    @Test
    void extraIntegerDigitsRaiseTheExponent() {
        // 12345678901234567 (rounded to a double while accumulating) times 1e4
        assertEquals(12345678901234567.0 * 1e4, PandasFloatParser.parse("123456789012345678901"));
        assertEquals(12345678901234567.0 * 1e4, PandasFloatParser.parse("123456789012345678901.999"));
    }

    @Test
    void exactAndShortValuesAreAsJavaReadsThem() {
        for (String s : new String[] {"23.5625", "5.015625", "0.1975097656250009", "7.152557373046875e-07", "16777216",
                "70.89063407817052", "3.511252089083428e-7", "1.0", "0", "1e22", "2.5E+3"}) {
            assertEquals(Double.parseDouble(s), PandasFloatParser.parse(s), s);
        }
    }

    @Test
    void signsPointsAndWhitespace() {
        assertEquals(5.0, PandasFloatParser.parse("+5"));
        assertEquals(-0.0, PandasFloatParser.parse("-0"));
        assertEquals(Double.doubleToRawLongBits(-0.0), Double.doubleToRawLongBits(PandasFloatParser.parse("-0")));
        assertEquals(5.0, PandasFloatParser.parse("5."));
        assertEquals(0.5, PandasFloatParser.parse(".5"));
        assertEquals(12.5, PandasFloatParser.parse("  12.5\t"));
        assertEquals(-250.0, PandasFloatParser.parse("-2.5e2"));
    }

    @Test
    void infinities() {
        assertEquals(Double.POSITIVE_INFINITY, PandasFloatParser.parse("inf"));
        assertEquals(Double.POSITIVE_INFINITY, PandasFloatParser.parse("+Infinity"));
        assertEquals(Double.NEGATIVE_INFINITY, PandasFloatParser.parse("-INF"));
    }

    @Test
    void belowTenToTheMinus308ItDividesTwice() {
        assertEquals(1.0 / 1e12 / 1e308, PandasFloatParser.parse("1e-320"));
        assertEquals(0.0, PandasFloatParser.parse("1e-700"));
        assertEquals(Double.doubleToRawLongBits(0.0), Double.doubleToRawLongBits(PandasFloatParser.parse("-1e-700")));
        assertEquals(12.0 / 1e1 / 1e308, PandasFloatParser.parse("0.0012e-305"));   // exponent -309
    }

    @Test
    void roundTripIsCorrectlyRoundedOnTheSameTexts() {
        assertEquals(3.9410243132303155, PandasFloatParser.parseRoundTrip("3.9410243132303155"));
        assertEquals(1.1872268805745989e-4, PandasFloatParser.parseRoundTrip(" 0.00011872268805745989 "));
        assertEquals(Double.POSITIVE_INFINITY, PandasFloatParser.parseRoundTrip("1e309"));   // as Python's float
        assertEquals(Double.NEGATIVE_INFINITY, PandasFloatParser.parseRoundTrip("-inf"));
        for (String bad : new String[] {"", "-", ".", "1e", "NaN", "0x10", "1d", "1f", "Infinityx"}) {
            assertThrows(NumberFormatException.class, () -> PandasFloatParser.parseRoundTrip(bad), bad);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "-", ".", "e5", "1e", "1e+", "12.5x", "1,5", "NaN", "NA", "1e309", "10e308",
            "1e400", "0x10", "1..2"})
    void rejectsWhatIsNotANumberToPandas(String text) {
        assertThrows(NumberFormatException.class, () -> PandasFloatParser.parse(text));
    }
}
