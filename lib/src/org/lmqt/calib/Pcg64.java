package org.lmqt.calib;

/**
 * numpy's {@code PCG64} bit generator (PCG XSL-RR 128/64): a 128-bit linear congruential state, kept as two longs,
 * with numpy's seeding from a {@link SeedSequence} and its 32-bit draws that use each 64-bit output twice, low half
 * first. Not thread-safe.
 */
public final class Pcg64 {
    private static final long MULTIPLIER_HIGH = 0x2360ED051FC65DA4L;
    private static final long MULTIPLIER_LOW = 0x4385DF649FCCF645L;
    private long stateHigh;
    private long stateLow;
    private final long incrementHigh;
    private final long incrementLow;
    private boolean halfBuffered;
    private int bufferedHalf;
    private long next32Calls;

    /** Seeded as numpy does: {@code PCG64(SeedSequence(seed))}. */
    public static Pcg64 seeded(long seed) {
        return new Pcg64(SeedSequence.of(seed).generateState64(4));
    }

    /**
     * Seeded from four 64-bit words {@code s}: increment {@code (s[2]:s[3]) << 1 | 1}; state 0, one step, plus
     * {@code s[0]:s[1]}, one step.
     */
    public Pcg64(long[] seedWords) {
        if (seedWords.length != 4) {
            throw new IllegalArgumentException("PCG64 takes 4 seed words, not " + seedWords.length);
        }
        incrementHigh = seedWords[2] << 1 | seedWords[3] >>> 63;
        incrementLow = seedWords[3] << 1 | 1;
        step();
        long low = stateLow + seedWords[1];
        stateHigh += seedWords[0] + carry(low, stateLow);
        stateLow = low;
        step();
    }

    /** The next 64-bit output: step, then the two state halves xor-ed and rotated by the top 6 state bits. */
    public long next64() {
        step();
        return Long.rotateRight(stateHigh ^ stateLow, (int) (stateHigh >>> 58));
    }

    /** The next 32-bit output (as an unsigned value): the buffered high half, else the low half of a new 64. */
    public long next32() {
        next32Calls++;
        if (halfBuffered) {
            halfBuffered = false;
            return bufferedHalf & 0xFFFFFFFFL;
        }
        long v = next64();
        bufferedHalf = (int) (v >>> 32);
        halfBuffered = true;
        return v & 0xFFFFFFFFL;
    }

    /** How many times {@link #next32()} was called. */
    public long next32Calls() {
        return next32Calls;
    }

    /** The high 64 bits of the state. */
    public long stateHigh() {
        return stateHigh;
    }

    /** The low 64 bits of the state. */
    public long stateLow() {
        return stateLow;
    }

    /** The high 64 bits of the (odd) increment. */
    public long incrementHigh() {
        return incrementHigh;
    }

    /** The low 64 bits of the increment. */
    public long incrementLow() {
        return incrementLow;
    }

    /** {@code state = state * MULTIPLIER + increment} modulo 2^128. */
    private void step() {
        // product modulo 2^128: the full low product plus the two cross terms in the high word
        long productLow = stateLow * MULTIPLIER_LOW;
        long productHigh = Math.unsignedMultiplyHigh(stateLow, MULTIPLIER_LOW) + stateHigh * MULTIPLIER_LOW
                + stateLow * MULTIPLIER_HIGH;
        // add the increment with the carry out of the low word
        long low = productLow + incrementLow;
        stateHigh = productHigh + incrementHigh + carry(low, productLow);
        stateLow = low;
    }

    /** 1 when the unsigned sum {@code sum = augend + x} wrapped around. */
    private static long carry(long sum, long augend) {
        return Long.compareUnsigned(sum, augend) < 0 ? 1 : 0;
    }
}
