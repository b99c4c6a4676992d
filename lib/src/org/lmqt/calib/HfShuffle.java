package org.lmqt.calib;

/**
 * Hugging Face {@code Dataset.shuffle(seed)} of a map-style data set: the record order
 * {@code np.random.default_rng(seed).permutation(n)}, i.e. a Fisher-Yates shuffle of {@code 0..n-1} from the end,
 * each swap partner drawn by numpy's masked rejection ({@code random_interval}) from {@link Pcg64}.
 */
public final class HfShuffle {
    private static final long UINT32_MAX = 0xFFFFFFFFL;

    private HfShuffle() {}

    /** The visiting order after {@code shuffle(seed)}: the k-th record seen is record {@code perm[k]}. */
    public static int[] permutation(long seed, int n) {
        return permutation(Pcg64.seeded(seed), n);
    }

    /** numpy's {@code Generator.permutation(n)} drawing from {@code rng}. */
    public static int[] permutation(Pcg64 rng, int n) {
        if (n < 0) {
            throw new IllegalArgumentException("negative permutation length " + n);
        }
        int[] order = new int[n]; // [n]
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        // Fisher-Yates from the last position down: swap each with a partner at or below it
        for (int i = n - 1; i > 0; i--) {
            int j = (int) interval(rng, i);
            int held = order[i];
            order[i] = order[j];
            order[j] = held;
        }
        return order;
    }

    /**
     * A uniform integer in {@code [0, max]} by masked rejection: draws masked to the bit width of {@code max} until
     * one is at most {@code max}; 32-bit draws while {@code max} fits in 32 bits, else 64-bit ones.
     */
    public static long interval(Pcg64 rng, long max) {
        if (max < 0) {
            throw new IllegalArgumentException("negative interval bound " + max);
        }
        if (max == 0) {
            return 0;
        }
        long mask = -1L >>> Long.numberOfLeadingZeros(max);
        long v;
        if (max <= UINT32_MAX) {
            do {
                v = rng.next32() & mask;
            } while (v > max);
        } else {
            do {
                v = rng.next64() & mask;
            } while (v > max);
        }
        return v;
    }
}
