package org.lmqt.calib;

import java.util.HashSet;
import java.util.Set;

/**
 * CPython's {@code random} module for integer seeds and draws of at most 32 bits: the Mersenne Twister MT19937
 * seeded by {@code init_by_array} with the seed's 32-bit words, {@code getrandbits(k)}, {@code randbelow(n)}
 * (redraw {@code bit_length(n)} bits until below {@code n}), {@code randint(a, b)} and {@code sample(range(n), k)}.
 * Not thread-safe.
 */
public final class PythonRandom {
    private static final int N = 624;
    private static final int M = 397;
    private static final int MATRIX_A = 0x9908B0DF;
    private static final int UPPER_BIT = 0x80000000;
    private static final int LOWER_BITS = 0x7FFFFFFF;
    private static final int BASE_SEED = 19650218;
    private final int[] state = new int[N]; // [624] MT19937 words
    private int index;

    /** {@code random.seed(seed)}. */
    public PythonRandom(long seed) {
        seed(seed);
    }

    /** {@code random.seed(seed)}: the key is the little-endian 32-bit words of {@code |seed|} ({@code [0]} for 0). */
    public void seed(long seed) {
        if (seed == Long.MIN_VALUE) {
            initByArray(new int[] {0, UPPER_BIT});
            return;
        }
        long magnitude = Math.abs(seed);
        initByArray((magnitude >>> 32) == 0 ? new int[] {(int) magnitude}
                : new int[] {(int) magnitude, (int) (magnitude >>> 32)});
    }

    /** {@code random.getrandbits(k)} for {@code 0 <= k <= 32}: the top {@code k} bits of one output word. */
    public long getrandbits(int k) {
        if (k < 0 || k > 32) {
            throw new IllegalArgumentException("getrandbits takes 0 to 32 bits here, not " + k);
        }
        if (k == 0) {
            return 0;
        }
        return (nextWord() & 0xFFFFFFFFL) >>> (32 - k);
    }

    /** {@code random._randbelow(n)} for {@code 1 <= n < 2^32}: uniform in {@code [0, n)} by rejection. */
    public long randbelow(long n) {
        if (n < 1 || n >= 1L << 32) {
            throw new IllegalArgumentException("randbelow takes 1 to 2^32 - 1, not " + n);
        }
        int bits = 64 - Long.numberOfLeadingZeros(n);
        long r;
        do {
            r = getrandbits(bits);
        } while (r >= n);
        return r;
    }

    /** {@code random.randint(a, b)}: uniform in {@code [a, b]}, both included. */
    public long randint(long a, long b) {
        if (b < a) {
            throw new IllegalArgumentException("empty range for randint(" + a + ", " + b + ")");
        }
        return a + randbelow(b - a + 1);
    }

    /**
     * {@code random.sample(range(n), k)}: {@code k} distinct indices of {@code [0, n)} in draw order. As in CPython, a
     * population of at most {@code 21} (plus {@code 4^ceil(log4(3k))} when {@code k > 5}) is drawn from a shrinking
     * pool ({@code j = randbelow(n - i)}, the last live slot moves into {@code j}); a larger one redraws
     * {@code randbelow(n)} until unseen.
     */
    public int[] sample(int n, int k) {
        if (n < 0 || k < 0 || k > n) {
            throw new IllegalArgumentException("sample larger than population or is negative: k = " + k + ", n = " + n);
        }
        int setSize = 21;
        if (k > 5) {
            // CPython: 4 ** _ceil(_log(k * 3, 4)), math.log(x, base) being log(x) / log(base)
            setSize += (int) Math.pow(4, Math.ceil(StrictMath.log(k * 3.0) / StrictMath.log(4)));
        }
        int[] result = new int[k];
        if (n <= setSize) {
            int[] pool = new int[n];
            for (int i = 0; i < n; i++) {
                pool[i] = i;
            }
            for (int i = 0; i < k; i++) {
                int j = (int) randbelow(n - i);
                result[i] = pool[j];
                pool[j] = pool[n - i - 1];
            }
        } else {
            Set<Integer> selected = new HashSet<>();
            for (int i = 0; i < k; i++) {
                int j = (int) randbelow(n);
                while (!selected.add(j)) {
                    j = (int) randbelow(n);
                }
                result[i] = j;
            }
        }
        return result;
    }

    /** {@code init_by_array(key)} over {@code init_genrand(19650218)}. */
    private void initByArray(int[] key) {
        initGenrand(BASE_SEED);
        int i = 1;
        int j = 0;
        // fold the key into the state, N or key-length rounds
        for (int k = Math.max(N, key.length); k > 0; k--) {
            int previous = state[i - 1] ^ (state[i - 1] >>> 30);
            state[i] = (state[i] ^ previous * 1664525) + key[j] + j;
            i++;
            j++;
            if (i >= N) {
                state[0] = state[N - 1];
                i = 1;
            }
            if (j >= key.length) {
                j = 0;
            }
        }
        // a second pass without the key
        for (int k = N - 1; k > 0; k--) {
            int previous = state[i - 1] ^ (state[i - 1] >>> 30);
            state[i] = (state[i] ^ previous * 1566083941) - i;
            i++;
            if (i >= N) {
                state[0] = state[N - 1];
                i = 1;
            }
        }
        // the top bit set guarantees a non-zero state
        state[0] = UPPER_BIT;
        index = N;
    }

    /** {@code init_genrand(s)}: the linear recurrence that fills the state from one word. */
    private void initGenrand(int s) {
        state[0] = s;
        for (int i = 1; i < N; i++) {
            state[i] = 1812433253 * (state[i - 1] ^ (state[i - 1] >>> 30)) + i;
        }
    }

    /** The next tempered output word (uint32 bit pattern). */
    private int nextWord() {
        if (index >= N) {
            regenerate();
        }
        // tempering
        int y = state[index++];
        y ^= y >>> 11;
        y ^= (y << 7) & 0x9D2C5680;
        y ^= (y << 15) & 0xEFC60000;
        return y ^ (y >>> 18);
    }

    /** Twists all N words: each from its upper bit, its successor's lower bits and the word M ahead. */
    private void regenerate() {
        for (int k = 0; k < N; k++) {
            int y = (state[k] & UPPER_BIT) | (state[(k + 1) % N] & LOWER_BITS);
            state[k] = state[(k + M) % N] ^ (y >>> 1) ^ ((y & 1) == 0 ? 0 : MATRIX_A);
        }
        index = 0;
    }
}
