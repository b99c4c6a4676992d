package org.lmqt.calib;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.lmqt.TestData;

/** The golden files of {@code ../shared/fixtures/calib}. */
final class Fixtures {
    private Fixtures() {}

    /** A fixture file, parsed. */
    static JsonNode json(String name) {
        try {
            return new ObjectMapper().readTree(TestData.shared("fixtures/calib/" + name).toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A JSON array of integers. */
    static int[] ints(JsonNode array) {
        int[] out = new int[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt();
        }
        return out;
    }
}
