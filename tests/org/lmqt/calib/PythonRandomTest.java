package org.lmqt.calib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.lmqt.TestData;
import org.lmqt.cli.UserException;

/**
 * CPython's {@code random} after {@code seed(1)} and the GPTQ window starts drawn from it, against CPython's own
 * values ({@code gptq-windows-seed1.json}); {@code sample} after {@code seed(1234)} against lm-eval's fixture
 * ({@code lm-eval/python-random-1234.json}, both of CPython's branches).
 */
class PythonRandomTest {
    static JsonNode golden;

    @BeforeAll
    static void readGolden() {
        golden = Fixtures.json("gptq-windows-seed1.json");
    }

    @Test
    void firstGetrandbits32AfterSeedOne() {
        PythonRandom random = new PythonRandom(golden.get("seed").asLong());
        for (JsonNode expected : golden.get("getrandbits32_first")) {
            assertEquals(expected.asLong(), random.getrandbits(32));
        }
    }

    @Test
    void windowStartsForBothStreams() {
        GptqCalibration.Settings settings = new GptqCalibration.Settings(golden.get("windows").asInt(),
                golden.get("seqlen").asInt(), golden.get("seed").asLong());
        assertEquals(GptqCalibration.Settings.DEFAULT, settings);
        for (Map.Entry<String, JsonNode> stream : golden.get("streams").properties()) {
            int tokens = stream.getValue().get("tokens").asInt();
            int[] starts = GptqCalibration.starts(tokens, settings);
            assertArrayEquals(Fixtures.ints(stream.getValue().get("starts")), starts, "N = " + tokens);
        }
    }

    @Test
    void windowsAreSlicesOfTheStream() {
        long[] stream = new long[600];
        for (int i = 0; i < stream.length; i++) {
            stream[i] = 1000 + i;
        }
        GptqCalibration.Settings settings = new GptqCalibration.Settings(3, 512, 1);
        int[] starts = GptqCalibration.starts(stream.length, settings);
        long[][] windows = GptqCalibration.windows(stream, settings);
        assertEquals(3, windows.length);
        for (int w = 0; w < windows.length; w++) {
            assertEquals(512, windows[w].length);
            assertEquals(1000 + starts[w], windows[w][0]);
            assertEquals(1000 + starts[w] + 511, windows[w][511]);
        }
    }

    @Test
    void sampleTraceAfterSeed1234() throws Exception {
        JsonNode trace = new ObjectMapper().readTree(TestData.shared("fixtures/lm-eval/python-random-1234.json")
                .toFile());
        PythonRandom fresh = new PythonRandom(trace.get("seed").asLong());
        for (JsonNode expected : trace.get("getrandbits32_first8")) {
            assertEquals(expected.asLong(), fresh.getrandbits(32));
        }
        PythonRandom stream = new PythonRandom(trace.get("seed").asLong());
        for (JsonNode call : trace.get("sample_calls")) {
            int n = call.get("n").asInt();
            int k = call.get("k").asInt();
            assertArrayEquals(Fixtures.ints(call.get("result")), stream.sample(n, k), "sample(range(" + n + "), " + k
                    + ")");
        }
    }

    @Test
    void sampleRejectsMoreThanThePopulation() {
        PythonRandom random = new PythonRandom(1234);
        assertThrows(IllegalArgumentException.class, () -> random.sample(3, 4));
        assertEquals(0, random.sample(0, 0).length);
    }

    @Test
    void randbelowOfOneStillDrawsUntilZero() {
        PythonRandom a = new PythonRandom(1);
        PythonRandom b = new PythonRandom(1);
        int draws = 0;
        while (b.getrandbits(1) != 0) {
            draws++;
        }
        assertEquals(0, a.randbelow(1));
        assertEquals(b.getrandbits(32), a.getrandbits(32), "after " + draws + " rejected draws");
    }

    @Test
    void aStreamOfAtMostOneWindowIsAOneLineError() {
        UserException e = assertThrows(UserException.class,
                () -> GptqCalibration.starts(512, GptqCalibration.Settings.DEFAULT));
        assertEquals("the GPTQ calibration stream has 512 tokens; windows of 512 need at least 513", e.getMessage());
        assertFalse(e.getMessage().contains("\n"));
        assertEquals(1024, GptqCalibration.starts(513, GptqCalibration.Settings.DEFAULT).length);
    }
}
