package org.lmqt.calib;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * {@code np.random.default_rng(42).permutation(n)} against numpy's own values ({@code shuffle-seed42.json}):
 * the SeedSequence pool and state, the PCG64 state after seeding and its first outputs, and for every n the
 * permutation's first and last entries, its number of 32-bit draws and a weighted sum over its first 1000 entries.
 */
class HfShuffleTest {
    private static final BigInteger TWO_64 = BigInteger.ONE.shiftLeft(64);
    static JsonNode golden;

    @BeforeAll
    static void readGolden() {
        golden = Fixtures.json("shuffle-seed42.json");
    }

    @Test
    void seedSequencePoolAndState() {
        SeedSequence seq = SeedSequence.of(golden.get("seed").asLong());
        int[] pool = new int[SeedSequence.POOL_SIZE];
        for (int i = 0; i < pool.length; i++) {
            pool[i] = (int) golden.get("seed_sequence_pool_u32").get(i).asLong();
        }
        assertArrayEquals(pool, seq.pool());
        long[] state = seq.generateState64(4);
        for (int k = 0; k < state.length; k++) {
            assertEquals(golden.get("seed_sequence_state_u64").get(k).asText(), Long.toUnsignedString(state[k]));
        }
    }

    @Test
    void pcg64SeedingAndFirstOutputs() {
        Pcg64 rng = Pcg64.seeded(42);
        assertEquals(golden.get("pcg64_initial_state").asText(), uint128(rng.stateHigh(), rng.stateLow()));
        assertEquals(golden.get("pcg64_increment").asText(), uint128(rng.incrementHigh(), rng.incrementLow()));
        for (JsonNode expected : golden.get("pcg64_first_uint64")) {
            assertEquals(expected.asText(), Long.toUnsignedString(rng.next64()));
        }
    }

    @Test
    void next32ReturnsTheLowHalfFirst() {
        long first = Pcg64.seeded(42).next64();
        Pcg64 rng = Pcg64.seeded(42);
        assertEquals(first & 0xFFFFFFFFL, rng.next32());
        assertEquals(first >>> 32, rng.next32());
        assertEquals(2, rng.next32Calls());
    }

    @Test
    void permutationsOfEveryLength() {
        for (Map.Entry<String, JsonNode> entry : golden.get("permutations").properties()) {
            JsonNode expected = entry.getValue();
            int n = expected.get("n").asInt();
            Pcg64 rng = Pcg64.seeded(42);
            int[] perm = HfShuffle.permutation(rng, n);
            String where = "n = " + n;
            int[] first = Fixtures.ints(expected.get("first"));
            assertArrayEquals(first, Arrays.copyOf(perm, first.length), where);
            assertArrayEquals(Fixtures.ints(expected.get("last")), Arrays.copyOfRange(perm, n - 5, n), where);
            assertEquals(expected.get("uint32_draws").asLong(), rng.next32Calls(), where);
            long weighted = 0;
            for (int k = 0; k < Math.min(1000, n); k++) {
                weighted += (long) k * perm[k];
            }
            assertEquals(expected.get("sum_first_1000_times_index").asLong(), weighted, where);
            assertArrayEquals(perm, HfShuffle.permutation(42, n), where);
        }
    }

    @Test
    void intervalAboveThirtyTwoBitsDrawsSixtyFourBitOutputs() {
        long max = 5L << 32;
        Pcg64 reference = Pcg64.seeded(7);
        long expected;
        do {
            expected = reference.next64() & ((1L << 35) - 1);
        } while (expected > max);
        Pcg64 rng = Pcg64.seeded(7);
        assertEquals(expected, HfShuffle.interval(rng, max));
        assertEquals(0, rng.next32Calls());
        assertEquals(0, HfShuffle.interval(rng, 0));
    }

    private static String uint128(long high, long low) {
        return new BigInteger(Long.toUnsignedString(high)).multiply(TWO_64)
                .add(new BigInteger(Long.toUnsignedString(low))).toString();
    }
}
