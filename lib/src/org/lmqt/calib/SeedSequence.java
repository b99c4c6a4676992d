package org.lmqt.calib;

import java.util.Arrays;

/**
 * numpy's {@code SeedSequence(seed)} (no spawn key, pool of four 32-bit words): hashes an integer seed into a pool,
 * from which {@link #generateState64(int)} draws the seed words of a bit generator such as {@link Pcg64}. All
 * arithmetic is on 32-bit words modulo 2^32, shifts are logical.
 *
 * @param pool the four mixed pool words (uint32 bit patterns)
 */
public record SeedSequence(int[] pool) {
    /** Words in the entropy pool. */
    public static final int POOL_SIZE = 4;
    private static final int MIX_HASH_START = 0x43B0D7E5;
    private static final int MIX_HASH_MULTIPLIER = 0x931E8875;
    private static final int MIX_LEFT = 0xCA01F9DD;
    private static final int MIX_RIGHT = 0x4973F715;
    private static final int STATE_HASH_START = 0x8B51F9DD;
    private static final int STATE_HASH_MULTIPLIER = 0x58F38DED;

    public SeedSequence {
        if (pool.length != POOL_SIZE) {
            throw new IllegalArgumentException("the pool has " + POOL_SIZE + " words, not " + pool.length);
        }
        pool = pool.clone();
    }

    /** The sequence of a non-negative integer seed (numpy refuses negative ones). */
    public static SeedSequence of(long seed) {
        if (seed < 0) {
            throw new IllegalArgumentException("SeedSequence needs a non-negative seed: " + seed);
        }
        // entropy: the seed's little-endian 32-bit words, at least one
        int[] entropy = (seed >>> 32) == 0 ? new int[] {(int) seed} : new int[] {(int) seed, (int) (seed >>> 32)};
        return ofEntropy(entropy);
    }

    /** The sequence of entropy words (uint32 bit patterns, least significant word first). */
    static SeedSequence ofEntropy(int[] entropy) {
        Hasher hash = new Hasher(MIX_HASH_START, MIX_HASH_MULTIPLIER);
        int[] pool = new int[POOL_SIZE];
        // fill the pool with hashed entropy, zeros past its end
        for (int i = 0; i < POOL_SIZE; i++) {
            pool[i] = hash.next(i < entropy.length ? entropy[i] : 0);
        }
        // mix every pool word into every other one
        for (int src = 0; src < POOL_SIZE; src++) {
            for (int dst = 0; dst < POOL_SIZE; dst++) {
                if (src != dst) {
                    pool[dst] = mix(pool[dst], hash.next(pool[src]));
                }
            }
        }
        // entropy beyond the pool is mixed into every pool word
        for (int src = POOL_SIZE; src < entropy.length; src++) {
            for (int dst = 0; dst < POOL_SIZE; dst++) {
                pool[dst] = mix(pool[dst], hash.next(entropy[src]));
            }
        }
        return new SeedSequence(pool);
    }

    /** numpy's {@code generate_state(words, uint64)}: {@code 2 * words} hashed pool words, paired low word first. */
    public long[] generateState64(int words) {
        Hasher hash = new Hasher(STATE_HASH_START, STATE_HASH_MULTIPLIER);
        long[] state = new long[words]; // [words]
        for (int k = 0; k < words; k++) {
            long low = hash.next(pool[(2 * k) % POOL_SIZE]) & 0xFFFFFFFFL;
            long high = hash.next(pool[(2 * k + 1) % POOL_SIZE]) & 0xFFFFFFFFL;
            state[k] = low | high << 32;
        }
        return state;
    }

    @Override
    public int[] pool() {
        return pool.clone();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SeedSequence s && Arrays.equals(pool, s.pool);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(pool);
    }

    @Override
    public String toString() {
        return "SeedSequence" + Arrays.toString(pool);
    }

    /** {@code x*L - y*R}, folded by a 16-bit shift. */
    private static int mix(int x, int y) {
        int r = MIX_LEFT * x - MIX_RIGHT * y;
        return r ^ (r >>> 16);
    }

    /** The hash whose multiplier is carried from one call to the next. */
    private static final class Hasher {
        private int multiplier;
        private final int step;

        Hasher(int start, int step) {
            this.multiplier = start;
            this.step = step;
        }

        int next(int value) {
            int v = value ^ multiplier;
            multiplier *= step;
            v *= multiplier;
            return v ^ (v >>> 16);
        }
    }
}
