package org.lmqt.io;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Python's repr of floats, as pandas writes them (expected strings are what CPython prints). */
class PyFloatTest {
    @ParameterizedTest
    @CsvSource({"23.5625,23.5625", "10,10.0", "3.511252089083428e-7,3.511252089083428e-07", "0.0001,0.0001",
            "0.00001,1e-05", "1e16,1e+16", "123456789012345680,1.2345678901234568e+17", "9999999999999998,9999999999999998.0",
            "-2.5,-2.5", "0,0.0", "29.71926498413086,29.71926498413086", "0.1975097656250009,0.1975097656250009",
            "5.015625,5.015625", "1.5e300,1.5e+300"})
    void reprLikePython(double v, String expected) {
        assertEquals(expected, PyFloat.repr(v));
    }

    @ParameterizedTest
    @CsvSource({"NaN,''"})
    void nanIsEmpty(double v, String expected) {
        assertEquals(expected, PyFloat.repr(v));
    }
}
