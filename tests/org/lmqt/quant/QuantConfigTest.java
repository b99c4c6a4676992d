package org.lmqt.quant;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class QuantConfigTest {

    /** The bpp table of lmqt-spec §4.4. */
    @ParameterizedTest(name = "{0}")
    @CsvSource({"b2g128,2.126953125,2.13", "b2g64,2.25390625,2.25", "b2g32,2.5078125,2.51",
            "b3g128,3.126953125,3.13", "b3g64,3.25390625,3.25", "b3g32,3.5078125,3.51",
            "b4g128,4.126953125,4.13", "b4g64,4.25390625,4.25", "b4g32,4.5078125,4.51",
            "b8g128,8.126953125,8.13", "b8g64,8.25390625,8.25", "b8g32,8.5078125,8.51", "b2g16,3.015625,3.02"})
    void bitsPerParameterAsTheSpecTable(String name, double exact, double rounded) {
        QuantConfig c = QuantConfig.parse(name);
        assertEquals(exact, c.bitsPerParameter(), 0.0);
        assertEquals(rounded, Math.round(c.bitsPerParameter() * 100) / 100.0, 0.0);
        assertEquals(name, c.name());
    }

    @Test
    void memoryOfLlama2QProjAtB4g64() {
        assertEquals(8.5078125, QuantConfig.parse("b4g64").memoryMiB(16_777_216L), 0.0);
    }

    @Test
    void candidatesInTheOriginalsOrder() {
        assertEquals(List.of("b2g32", "b2g64", "b2g128", "b3g32", "b3g64", "b3g128", "b4g32", "b4g64", "b4g128",
                "b8g32", "b8g64", "b8g128"), QuantConfig.MXQ_CANDIDATES.stream().map(QuantConfig::name).toList());
    }

    @Test
    void badNamesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> QuantConfig.parse("4bit"));
        assertThrows(IllegalArgumentException.class, () -> QuantConfig.parse("b7g64"));
        assertThrows(IllegalArgumentException.class, () -> QuantConfig.parse("b4g0"));
    }
}
